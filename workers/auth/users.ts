import { eq } from "drizzle-orm";
import type { PublicUser } from "../shared/rpc.js";
import { USER_PERMISSIONS } from "../shared/tokens.js";
import type { AuthDatabase } from "./db/client.js";
import { users, type User } from "./db/schema.js";

/** What a signed-in user may do by default; service clients carry their own lists. */
export const DEFAULT_USER_PERMISSIONS: string[] = Object.values(USER_PERMISSIONS);

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
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
    email: input.email,
    emailNormalized: normalizeEmail(input.email),
    name: input.name,
    passwordHash: input.passwordHash,
    permissions: DEFAULT_USER_PERMISSIONS,
    createdAt: nowMs,
    updatedAt: nowMs,
    disabledAt: null,
    emailVerifiedAt: input.emailVerifiedAt ?? null,
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
