/**
 * @module
 * A user's TOTP second factor (docs/sign-in.md, Second factor): enroll (a secret, unconfirmed),
 * confirm with a first code (it turns on, ten recovery codes come back once), check a code at
 * sign-in or to turn it off. Every check is counted before it is made (code-throttle.ts), and a
 * TOTP code is taken only for a time step later than the last one taken, so none works twice.
 * Turning it on or off bumps the credential version: a sign-in that read the account before
 * (its password checked, say, a moment earlier) writes no session.
 */
import { and, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { users, userTotp, type User } from "../db/schema.js";
import { clearCodeAttempts, reserveCodeAttempt } from "./code-throttle.js";
import { decryptSecret, encryptSecret } from "./encryption.js";
import { deleteRecoveryCodes, freshRecoveryCodes, RECOVERY_CODE, spendRecoveryCode } from "./recovery-codes.js";
import { matchingStep, newTotpSecret, otpauthUri, TOTP_CODE } from "./totp.js";

const WRONG_CODE = "The code is wrong, already used or expired.";

function totpRow(ctx: AuthContext, userId: string) {
  return ctx.db.select().from(userTotp).where(eq(userTotp.userId, userId)).get();
}

/** Whether sign-ins of this user need a second factor. */
export async function hasSecondFactor(ctx: AuthContext, userId: string): Promise<boolean> {
  const row = await ctx.db
    .select({ userId: userTotp.userId })
    .from(userTotp)
    .where(and(eq(userTotp.userId, userId), isNotNull(userTotp.confirmedAt)))
    .get();
  return row !== undefined;
}

function bumpCredentialVersion(ctx: AuthContext, userId: string, nowMs: number) {
  return ctx.db
    .update(users)
    .set({ credentialVersion: sql`${users.credentialVersion} + 1`, updatedAt: nowMs })
    .where(eq(users.id, userId));
}

/** A new secret, unconfirmed (replacing an unconfirmed one); 409 `mfa_already_enabled` when one is on. */
export async function enrollTotp(ctx: AuthContext, user: User): Promise<{ secret: string; otpauth_uri: string }> {
  const nowMs = Date.now();
  const secret = newTotpSecret();
  const ciphertext = await encryptSecret(ctx, user.id, secret);
  const written = await ctx.db
    .insert(userTotp)
    .values({ userId: user.id, secretCiphertext: ciphertext, createdAt: nowMs })
    .onConflictDoUpdate({
      target: userTotp.userId,
      set: { secretCiphertext: ciphertext, createdAt: nowMs, lastUsedStep: null },
      // Never over a confirmed one: turning it off takes a code.
      setWhere: isNull(userTotp.confirmedAt),
    })
    .returning({ userId: userTotp.userId });
  if (written.length === 0) throw new ApiError("mfa_already_enabled", "A second factor is already on; turn it off first.");
  return { secret, otpauth_uri: otpauthUri(secret, user.email) };
}

/**
 * Takes a TOTP code for the row: counted first, then matched against a step later than the last
 * one taken, then recorded — only if no other request took that step meanwhile.
 */
async function takeTotpCode(ctx: AuthContext, userId: string, code: string, nowMs: number): Promise<boolean> {
  const row = await totpRow(ctx, userId);
  if (!row) return false;
  const step = await matchingStep(await decryptSecret(ctx, userId, row.secretCiphertext), code, nowMs, row.lastUsedStep);
  if (step === null) return false;
  const taken = await ctx.db
    .update(userTotp)
    .set({ lastUsedStep: step })
    .where(and(eq(userTotp.userId, userId), or(isNull(userTotp.lastUsedStep), lt(userTotp.lastUsedStep, step))))
    .returning({ userId: userTotp.userId });
  if (taken.length === 0) return false;
  await clearCodeAttempts(ctx, userId);
  return true;
}

/** Confirms an enrollment with its first code: on, with ten recovery codes, shown this once. */
export async function confirmTotp(ctx: AuthContext, user: User, code: string): Promise<{ recovery_codes: string[] }> {
  const row = await totpRow(ctx, user.id);
  if (!row) throw new ApiError("mfa_not_enabled", "Enroll first: POST /auth/mfa/totp/enroll.");
  if (row.confirmedAt !== null) throw new ApiError("mfa_already_enabled", "The second factor is already on.");
  const nowMs = Date.now();
  await reserveCodeAttempt(ctx, user.id, nowMs);
  if (!TOTP_CODE.test(code) || !(await takeTotpCode(ctx, user.id, code, nowMs))) throw new ApiError("invalid_mfa_code", WRONG_CODE);
  const recovery = await freshRecoveryCodes(ctx, user.id, nowMs);
  await ctx.db.batch([
    ctx.db
      .update(userTotp)
      .set({ confirmedAt: nowMs })
      .where(and(eq(userTotp.userId, user.id), isNull(userTotp.confirmedAt))),
    ...recovery.statements,
    bumpCredentialVersion(ctx, user.id, nowMs),
  ]);
  return { recovery_codes: recovery.codes };
}

/**
 * Checks a second-factor code of a user whose factor is on: a TOTP code (six digits) or one of
 * their recovery codes, which is spent. 401 `invalid_mfa_code` for a wrong, reused or malformed
 * one; 429 past the throttle.
 */
export async function checkSecondFactor(ctx: AuthContext, userId: string, code: string): Promise<void> {
  const nowMs = Date.now();
  await reserveCodeAttempt(ctx, userId, nowMs);
  let accepted = false;
  if (TOTP_CODE.test(code)) accepted = await takeTotpCode(ctx, userId, code, nowMs);
  else if (RECOVERY_CODE.test(code) && (await spendRecoveryCode(ctx, userId, code, nowMs))) {
    accepted = true;
    await clearCodeAttempts(ctx, userId);
  }
  if (!accepted) throw new ApiError("invalid_mfa_code", WRONG_CODE);
}

/** Turns the second factor off, with a current code (TOTP or recovery): the secret and the recovery codes go. */
export async function disableTotp(ctx: AuthContext, user: User, code: string): Promise<void> {
  if (!(await hasSecondFactor(ctx, user.id))) throw new ApiError("mfa_not_enabled", "No second factor is on.");
  await checkSecondFactor(ctx, user.id, code);
  const nowMs = Date.now();
  await ctx.db.batch([
    ctx.db.delete(userTotp).where(eq(userTotp.userId, user.id)),
    deleteRecoveryCodes(ctx, user.id),
    bumpCredentialVersion(ctx, user.id, nowMs),
  ]);
}
