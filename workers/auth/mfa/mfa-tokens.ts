/**
 * @module
 * The `mfa_token` a first factor earns when the account has a second one: opaque (256 bits),
 * stored only as a SHA-256 hash, single use, 5 minutes. It is no credential by itself — it only
 * lets `POST /auth/mfa/verify` finish the sign-in with a code — and is spent only by a right code,
 * so a typo does not send the user back to their password.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { randomToken, sha256Base64Url } from "../../shared/crypto.js";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { mfaTokens, type MfaToken, type User } from "../db/schema.js";
import type { AuthMethod } from "../sessions.js";

export const MFA_TOKEN_TTL_SECONDS = 300;
const INVALID = "The sign-in has expired or was already finished; sign in again.";

export interface MfaChallenge {
  mfa_token: string;
  expires_in: number;
}

export async function issueMfaToken(
  ctx: AuthContext,
  user: User,
  firstFactor: { amr: AuthMethod[]; deviceId?: string | null },
): Promise<MfaChallenge> {
  const token = randomToken(32);
  const nowMs = Date.now();
  await ctx.db.insert(mfaTokens).values({
    tokenHash: await sha256Base64Url(token),
    userId: user.id,
    amr: firstFactor.amr,
    deviceId: firstFactor.deviceId ?? null,
    credentialVersion: user.credentialVersion,
    createdAt: nowMs,
    expiresAt: nowMs + MFA_TOKEN_TTL_SECONDS * 1000,
  });
  return { mfa_token: token, expires_in: MFA_TOKEN_TTL_SECONDS };
}

const live = (hash: string, nowMs: number) => and(eq(mfaTokens.tokenHash, hash), isNull(mfaTokens.usedAt), gt(mfaTokens.expiresAt, nowMs));

/** The pending sign-in of a token that is unused and unexpired; 401 `invalid_mfa_token` otherwise. */
export async function pendingMfaSignIn(ctx: AuthContext, token: string): Promise<MfaToken> {
  const row = await ctx.db
    .select()
    .from(mfaTokens)
    .where(live(await sha256Base64Url(token), Date.now()))
    .get();
  if (!row) throw new ApiError("invalid_mfa_token", INVALID);
  return row;
}

/** Spends the token; of two requests finishing one sign-in, only one gets past this. */
export async function spendMfaToken(ctx: AuthContext, row: MfaToken): Promise<void> {
  const nowMs = Date.now();
  const spent = await ctx.db
    .update(mfaTokens)
    .set({ usedAt: nowMs })
    .where(live(row.tokenHash, nowMs))
    .returning({ hash: mfaTokens.tokenHash });
  if (spent.length === 0) throw new ApiError("invalid_mfa_token", INVALID);
}
