import { and, eq, isNotNull, sql } from "drizzle-orm";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { userIdentities, users, type User } from "../db/schema.js";
import { EMAIL_PROBLEM_MESSAGES, emailProblem } from "../email-address.js";
import { userRevocation } from "../revocation.js";
import { userSyncEvent } from "../user-sync.js";
import { logEvent } from "../../shared/request-log.js";
import { findUserByEmail, findUserById, insertUser, newUserRow } from "../users.js";

/** Who the provider says signed in. (issuer, subject) is the stable key; the email may change. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

const NEEDS_VERIFIED_EMAIL = "The provider did not confirm that this email address is verified, so it cannot create or join an account.";

/**
 * The user a provider sign-in belongs to.
 * - A known identity (issuer, subject) signs in its user, whatever the email says now.
 * - Otherwise the email decides, and only when the provider says it is verified — an unverified
 *   address could be anyone's, and joining (or pre-creating) an account by it is how accounts get
 *   taken over. With a verified address it:
 *   - joins the account with that address if that account has proved it too;
 *   - claims the account if it has not: someone registered the address with a password and never
 *     proved it (possibly to wait for the owner — account pre-hijacking). The owner, who has just
 *     proved it through the provider, takes the account; the password is removed and every session
 *     of the claimant is revoked and closed (`account_claimed`), so they keep no access;
 *   - creates an account with the address proved.
 */
export async function userForIdentity(ctx: AuthContext, provider: string, identity: ProviderIdentity): Promise<User> {
  const nowMs = Date.now();
  assertUsableEmail(identity.email);
  const key = and(eq(userIdentities.issuer, identity.issuer), eq(userIdentities.subject, identity.subject));
  const known = await ctx.db.select().from(userIdentities).where(key).get();
  if (known) {
    const user = await findUserById(ctx.db, known.userId);
    if (!user) throw new ApiError("oauth_failed", "The account linked to this sign-in no longer exists.");
    assertActive(user);
    await ctx.db
      .update(userIdentities)
      .set({ lastLoginAt: nowMs, email: identity.email, emailVerified: identity.emailVerified })
      .where(key);
    return user;
  }

  if (identity.email === null || !identity.emailVerified) throw new ApiError("email_not_verified", NEEDS_VERIFIED_EMAIL);
  const email = identity.email;
  const name = identity.name?.trim().slice(0, 100) || (email.split("@")[0] ?? email);
  const existing = await findUserByEmail(ctx.db, email);
  if (existing) assertActive(existing);
  const user =
    existing ??
    (await insertUser(ctx.db, newUserRow({ email, name, passwordHash: null, emailVerifiedAt: nowMs }, nowMs))) ??
    // Registered by someone else between our read and insert: claimed below if they never proved it.
    (await findUserByEmail(ctx.db, email));
  if (!user) throw new ApiError("internal_error", "The user could not be created.");
  assertActive(user);
  const link = linkIfVerified(ctx, provider, identity, { userId: user.id, email }, nowMs);
  if (user.emailVerifiedAt !== null) {
    await link;
    return user;
  }
  // The claim takes effect only from the state it was decided on (docs/protocol.md): still unproved,
  // credential version unmoved. Every statement up to the user row's is conditional on that
  // state, which the user row's then ends — so a claim that lost a race (another claim, a reset)
  // revokes nothing, queues nothing and removes no password.
  const unclaimed = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${user.id}
    AND ${users.emailVerifiedAt} IS NULL AND ${users.credentialVersion} = ${user.credentialVersion})`;
  const [, , , , claimed] = await ctx.db.batch([
    // The backend deletes what the registrant made before the claim (their planted threads).
    userSyncEvent(ctx, "user_claimed", user.id, nowMs, unclaimed),
    ...userRevocation(ctx, user.id, "account_claimed", nowMs, unclaimed),
    ctx.db
      .update(users)
      .set({ passwordHash: null, emailVerifiedAt: nowMs, credentialVersion: sql`${users.credentialVersion} + 1`, updatedAt: nowMs })
      .where(and(eq(users.id, user.id), unclaimed))
      .returning(),
    // Last: linked once the account is proved — by this claim, or by whatever won the race.
    link,
  ]);
  const current = claimed[0] ?? (await findUserById(ctx.db, user.id));
  if (!current || current.emailVerifiedAt === null)
    throw new ApiError("oauth_failed", "The account changed during this sign-in; sign in again.");
  if (claimed[0]) logEvent("info", "account_claimed", { user_id: user.id, provider });
  assertActive(current);
  return current;
}

/**
 * Links the provider identity to the user, only if the user's address is proved by then (a link
 * to an unproved account would sign its registrant's account in by identity, unclaimed).
 */
function linkIfVerified(
  ctx: AuthContext,
  provider: string,
  identity: ProviderIdentity,
  to: { userId: string; email: string },
  nowMs: number,
) {
  const constant = <T>(value: T, name: string) => sql<T>`${value}`.as(name);
  return ctx.db
    .insert(userIdentities)
    .select(
      ctx.db
        .select({
          issuer: constant(identity.issuer, "issuer"),
          subject: constant(identity.subject, "subject"),
          provider: constant(provider, "provider"),
          userId: users.id,
          email: constant(to.email, "email"),
          emailVerified: constant(1, "email_verified"),
          createdAt: constant(nowMs, "created_at"),
          lastLoginAt: constant(nowMs, "last_login_at"),
        })
        .from(users)
        .where(and(eq(users.id, to.userId), isNotNull(users.emailVerifiedAt))),
    )
    .onConflictDoNothing();
}
/**
 * A provider's address passes the checks a typed one does (docs/protocol.md): at most 254 characters, no
 * control or format characters, a domain with an A-label — it is stored, compared by its key and
 * mailed like any other, and a provider is no better at refusing look-alikes than a sign-up form.
 */
function assertUsableEmail(email: string | null): void {
  const problem = email === null ? null : emailProblem(email);
  if (problem) throw new ApiError("oauth_failed", `The email address the provider gave ${EMAIL_PROBLEM_MESSAGES[problem]}.`);
}

function assertActive(user: User): void {
  if (user.disabledAt !== null) throw new ApiError("account_disabled", "This account is disabled.");
}
