/**
 * @module
 * WebAuthn challenges: 32 random bytes each (the library's), kept in D1 for 5 minutes and claimed
 * once, by a conditional update that also checks the ceremony and — for a registration — the user.
 * A response to another ceremony's challenge, another user's, an expired or an already used one
 * finds nothing to claim: 400 `invalid_passkey_challenge`.
 */
import { and, eq, gt, isNull, type SQL } from "drizzle-orm";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { webauthnChallenges, type WebAuthnCeremony, type WebAuthnChallenge } from "../db/schema.js";

export const CHALLENGE_TTL_SECONDS = 300;
const INVALID = "The passkey challenge is unknown, expired or already used; start again.";

export async function saveChallenge(
  ctx: AuthContext,
  challenge: string,
  ceremony: WebAuthnCeremony,
  userId: string | null,
): Promise<string> {
  const id = crypto.randomUUID();
  const nowMs = Date.now();
  await ctx.db
    .insert(webauthnChallenges)
    .values({ id, challenge, ceremony, userId, createdAt: nowMs, expiresAt: nowMs + CHALLENGE_TTL_SECONDS * 1000 });
  return id;
}

async function claim(ctx: AuthContext, which: SQL | undefined): Promise<WebAuthnChallenge> {
  const nowMs = Date.now();
  const [claimed] = await ctx.db
    .update(webauthnChallenges)
    .set({ usedAt: nowMs })
    .where(and(which, isNull(webauthnChallenges.usedAt), gt(webauthnChallenges.expiresAt, nowMs)))
    .returning();
  if (!claimed) throw new ApiError("invalid_passkey_challenge", INVALID);
  return claimed;
}

/** A registration's challenge, found by its value (the response's clientDataJSON names it): the caller's own only. */
export function claimRegistrationChallenge(ctx: AuthContext, challenge: string, userId: string): Promise<WebAuthnChallenge> {
  return claim(
    ctx,
    and(
      eq(webauthnChallenges.challenge, challenge),
      eq(webauthnChallenges.ceremony, "registration"),
      eq(webauthnChallenges.userId, userId),
    ),
  );
}

/** A sign-in's challenge, by the `challenge_id` its options were answered with. */
export function claimAuthenticationChallenge(ctx: AuthContext, id: string): Promise<WebAuthnChallenge> {
  return claim(ctx, and(eq(webauthnChallenges.id, id), eq(webauthnChallenges.ceremony, "authentication")));
}
