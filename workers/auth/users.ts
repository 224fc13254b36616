import { eq } from "drizzle-orm";
import { ApiError } from "../shared/errors.js";
import type { PublicUser } from "../shared/rpc.js";
import { USER_PERMISSIONS } from "../shared/tokens.js";
import type { AuthDatabase } from "./db/client.js";
import { users, type User } from "./db/schema.js";
import { canonicalEmail, EMAIL_PROBLEM_MESSAGES, emailKeyOf } from "./email-address.js";

/** What a signed-in user may do by default; service clients carry their own lists. */
export const DEFAULT_USER_PERMISSIONS: string[] = Object.values(USER_PERMISSIONS);

/**
 * The version of email normalization rows carry (`users.email_normalization`): 1 was lower-casing
 * alone; 2 was NFKC and case folding, which merged look-alike domains (`maıl.test` into
 * `mail.test`); 3 is the key of docs/protocol.md (email-address.ts), which merges nothing. The cron's
 * renormalisation job brings older rows to it and reports keys that would collide.
 */
export const EMAIL_NORMALIZATION_VERSION = 3;

export { canonicalEmail };

/**
 * The key an address is compared by (email-address.ts). The schemas refuse an address without
 * one before it gets here; should one slip through, it is the same 400 rather than a wrong match.
 */
export function normalizeEmail(email: string): string {
  const result = emailKeyOf(email);
  if (!result.ok) throw new ApiError("validation_failed", `email: ${EMAIL_PROBLEM_MESSAGES[result.problem]}`);
  return result.key;
}

export function findUserByEmail(db: AuthDatabase, email: string): Promise<User | undefined> {
  return db
    .select()
    .from(users)
    .where(eq(users.emailNormalized, normalizeEmail(email)))
    .get();
}

export function findUserById(db: AuthDatabase, id: string): Promise<User | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function newUserRow(
  input: { email: string; name: string; passwordHash: string | null; emailVerifiedAt?: number | null },
  nowMs: number,
): User {
  return {
    id: crypto.randomUUID(),
    email: canonicalEmail(input.email),
    emailNormalized: normalizeEmail(input.email),
    emailNormalization: EMAIL_NORMALIZATION_VERSION,
    name: input.name,
    passwordHash: input.passwordHash,
    permissions: DEFAULT_USER_PERMISSIONS,
    createdAt: nowMs,
    updatedAt: nowMs,
    disabledAt: null,
    emailVerifiedAt: input.emailVerifiedAt ?? null,
    credentialVersion: 0,
  };
}

/**
 * Inserts the user unless the email is taken. Returns null on conflict, so two racing
 * registrations of one email produce one row and one 409, never a 500.
 */
export async function insertUser(db: AuthDatabase, row: User): Promise<User | null> {
  const inserted = await db.insert(users).values(row).onConflictDoNothing().returning();
  return inserted[0] ?? null;
}

export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    email_verified: user.emailVerifiedAt !== null,
    permissions: user.permissions,
    created_at: new Date(user.createdAt).toISOString(),
    disabled: user.disabledAt !== null,
  };
}
