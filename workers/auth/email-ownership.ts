/**
 * @module
 * Proving an address (docs/protocol.md, Accounts): the verification mail sent on sign-up and on
 * request, its redemption, and the password reset — each a single-use mailed token, each
 * redemption one atomic batch that changes nothing unless the token is good.
 */
import { and, eq, sql } from "drizzle-orm";
import { ApiError } from "../shared/errors.js";
import { errorKind, logEvent } from "../shared/request-log.js";
import type { AuthBindings } from "./config.js";
import type { AuthContext } from "./context.js";
import { emailTokens, users, type User } from "./db/schema.js";
import { mailerFor, type MailOutcome } from "./mail/mailer.js";
import { EMAIL_VERIFICATION_TTL_SECONDS, PASSWORD_RESET_TTL_SECONDS, passwordResetMail, verificationMail } from "./mail/messages.js";
import { clearLoginFailures } from "./login-throttle.js";
import { hashPassword } from "./passwords.js";
import { userRevocation } from "./revocation.js";
import { userSyncEvent } from "./user-sync.js";
import { claimToken, findRedeemableToken, newEmailToken, retireOtherTokens, storeTokenWithinMailLimit } from "./tokens/email-tokens.js";
import { findUserByEmail, findUserById } from "./users.js";

const INVALID_VERIFICATION = "This confirmation link is not valid: it may have been used or have expired. Ask for a new one.";
const INVALID_RESET = "This reset link is not valid: it may have been used or have expired. Ask for a new one.";

/**
 * Sends `user` a verification mail with a new token (the older ones stay valid until they expire).
 * Never fails its caller: a sign-up goes through without mail, and the user can ask again.
 */
export async function sendVerificationMail(ctx: AuthContext, env: AuthBindings, user: User): Promise<MailOutcome> {
  try {
    const { token, row } = await newEmailToken(user, "verify_email", EMAIL_VERIFICATION_TTL_SECONDS, Date.now());
    if (!(await storeTokenWithinMailLimit(ctx.db, row))) return "not_sent";
    return await mailerFor(env, ctx).send(verificationMail(env, user, token));
  } catch (error) {
    logEvent("error", "mail_failed", { kind: "verify_email", user_id: user.id, error: errorKind(error) });
    return "not_sent";
  }
}

/**
 * Redeems a verification token: the user it was sent to has proved the address it was sent to.
 * A caller who is signed in (`callerUserId`) may redeem only their own. Anything else — used,
 * expired, forged, a reset token, another user's — is `invalid_verification_token`, nothing changed.
 */
export async function verifyEmail(ctx: AuthContext, token: string, callerUserId: string | null): Promise<User> {
  const nowMs = Date.now();
  const found = await findRedeemableToken(ctx.db, token, "verify_email", nowMs);
  if (!found || (callerUserId !== null && found.userId !== callerUserId))
    throw new ApiError("invalid_verification_token", INVALID_VERIFICATION);
  const claimedHere = sql`EXISTS (SELECT 1 FROM ${emailTokens} WHERE ${emailTokens.id} = ${found.id} AND ${emailTokens.usedAt} = ${nowMs})`;
  const [claimed] = await ctx.db.batch([
    claimToken(ctx.db, found.id, nowMs),
    // Only if this batch claimed the token, and only for the address it was sent to.
    ctx.db
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${nowMs})`, updatedAt: nowMs })
      .where(and(eq(users.id, found.userId), eq(users.email, found.email), claimedHere)),
    // Live sockets learn the address is proved (their `emailVerified` came from an older token).
    userSyncEvent(ctx, "user_updated", found.userId, nowMs, claimedHere),
  ]);
  const user = await findUserById(ctx.db, found.userId);
  if (claimed.length === 0 || !user || user.emailVerifiedAt === null)
    throw new ApiError("invalid_verification_token", INVALID_VERIFICATION);
  return user;
}

/**
 * Sends a reset mail if an account has this address (and is not disabled); does nothing
 * otherwise. The caller answers the same either way, before this runs.
 */
export async function sendPasswordResetMail(ctx: AuthContext, env: AuthBindings, email: string): Promise<MailOutcome | null> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.disabledAt !== null) return null;
  const { token, row } = await newEmailToken(user, "reset_password", PASSWORD_RESET_TTL_SECONDS, Date.now());
  if (!(await storeTokenWithinMailLimit(ctx.db, row))) return "not_sent";
  return mailerFor(env, ctx).send(passwordResetMail(env, user, token));
}

/** The user a reset token would reset, before anything is spent (to check the new password against). */
export async function userForResetToken(ctx: AuthContext, token: string): Promise<{ user: User; tokenId: string }> {
  const found = await findRedeemableToken(ctx.db, token, "reset_password", Date.now());
  const user = found ? await findUserById(ctx.db, found.userId) : undefined;
  if (!found || !user || user.disabledAt !== null || user.email !== found.email) throw new ApiError("invalid_reset_token", INVALID_RESET);
  return { user, tokenId: found.id };
}

/**
 * Sets the new password, moves the credential version (a sign-in that read the old password
 * writes no session: sessions.ts), clears the account's failed-sign-in counts and signs the user
 * out everywhere — in one batch, and only if it takes effect: the token still unused and the
 * credential version still the one read with it. A reset that lost a race (the token used by a
 * concurrent reset, the account claimed meanwhile) changes nothing, revokes nothing. Every
 * statement but the last two is conditional on that state, which the last two then change:
 * the token's claim, then the user row. The mail proved the address too.
 */
export async function resetPassword(ctx: AuthContext, reset: { user: User; tokenId: string }, password: string): Promise<void> {
  const nowMs = Date.now();
  const passwordHash = await hashPassword(password);
  const { user } = reset;
  const versionRead = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${user.id} AND ${users.credentialVersion} = ${user.credentialVersion})`;
  const tokenUnused = sql`EXISTS (SELECT 1 FROM ${emailTokens} WHERE ${emailTokens.id} = ${reset.tokenId}
    AND ${emailTokens.usedAt} IS NULL AND ${emailTokens.expiresAt} > ${nowMs})`;
  const claimedHere = sql`EXISTS (SELECT 1 FROM ${emailTokens} WHERE ${emailTokens.id} = ${reset.tokenId} AND ${emailTokens.usedAt} = ${nowMs})`;
  const beforeClaim = and(versionRead, tokenUnused);
  const afterClaim = and(versionRead, claimedHere);
  const [, , , , claimed] = await ctx.db.batch([
    ...userRevocation(ctx, user.id, "password_reset", nowMs, beforeClaim),
    clearLoginFailures(ctx, user.emailNormalized, beforeClaim),
    claimToken(ctx.db, reset.tokenId, nowMs, versionRead),
    retireOtherTokens(ctx.db, user.id, "reset_password", nowMs, afterClaim),
    ctx.db
      .update(users)
      .set({
        passwordHash,
        credentialVersion: sql`${users.credentialVersion} + 1`,
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${nowMs})`,
        updatedAt: nowMs,
      })
      .where(and(eq(users.id, user.id), afterClaim)),
  ]);
  if (claimed.length === 0) throw new ApiError("invalid_reset_token", INVALID_RESET);
}
