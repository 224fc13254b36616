/**
 * @module
 * A provider sign-in's life in the database (`oauth_logins`): started, called back once, then
 * swapped once for tokens through a handoff code. The `state` parameter is a signed JWT that names
 * the row and records where the sign-in began; what must stay secret (PKCE verifier, nonce, the
 * handoff code itself) is never in it.
 */
import { and, eq, isNull } from "drizzle-orm";
import { randomToken, sha256Base64Url, timingSafeEqualText } from "../../shared/crypto.js";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { oauthLogins, type OAuthLogin } from "../db/schema.js";
import { signOwnToken, verifyOwnToken, type OwnTokenKind } from "../tokens/own-tokens.js";

export const LOGIN_ATTEMPT_TTL_SECONDS = 600;
export const HANDOFF_TTL_SECONDS = 60;

const STATE_TOKEN: OwnTokenKind = {
  typ: "oauth-state+jwt",
  audience: "tether-auth:oauth-state",
  ttlSeconds: LOGIN_ATTEMPT_TTL_SECONDS,
  keys: (ctx) => ctx.oauthStateKeys(),
};

const INVALID_STATE = "The sign-in state is missing, invalid, expired or already used; start the sign-in again.";
const INVALID_HANDOFF = "The handoff code is unknown, expired or already used; sign in again.";

export interface NewLoginAttempt {
  id: string;
  provider: string;
  browserBinding: string;
  codeVerifier: string;
  nonce: string | null;
  redirectUri: string;
  returnTo: URL;
  handoffChallenge: string;
}

export async function signState(ctx: AuthContext, login: { id: string; provider: string; returnTo: URL }): Promise<string> {
  return signOwnToken(ctx, STATE_TOKEN, { provider: login.provider, return_origin: login.returnTo.origin }, { jti: login.id });
}

/** The login id a state names, if it is ours, unexpired, and for this provider. */
export async function verifyState(ctx: AuthContext, state: string | undefined, provider: string): Promise<string> {
  if (!state || state.length > 4096) throw new ApiError("invalid_state", INVALID_STATE);
  try {
    const payload = await verifyOwnToken(ctx, STATE_TOKEN, state, ["jti", "exp"]);
    if (payload.provider !== provider || typeof payload.jti !== "string") throw new Error("state for another provider");
    return payload.jti;
  } catch (error) {
    if (error instanceof ApiError && error.code === "signing_keys_unavailable") throw error;
    throw new ApiError("invalid_state", INVALID_STATE);
  }
}

export async function saveLoginAttempt(ctx: AuthContext, login: NewLoginAttempt): Promise<void> {
  const nowMs = Date.now();
  await ctx.db.insert(oauthLogins).values({
    id: login.id,
    provider: login.provider,
    browserBindingHash: await sha256Base64Url(login.browserBinding),
    codeVerifier: login.codeVerifier,
    nonce: login.nonce,
    redirectUri: login.redirectUri,
    returnTo: login.returnTo.toString(),
    handoffChallenge: login.handoffChallenge,
    createdAt: nowMs,
    expiresAt: nowMs + LOGIN_ATTEMPT_TTL_SECONDS * 1000,
  });
}

/**
 * Claims the attempt for its one callback. It must be unexpired, unused, and come from the browser
 * that started it (the binding cookie): a callback link forwarded to someone else — login CSRF —
 * is refused, and so is a second use of the same state.
 */
export async function claimLoginAttempt(ctx: AuthContext, id: string, browserBinding: string | undefined): Promise<OAuthLogin> {
  const nowMs = Date.now();
  const row = await ctx.db.select().from(oauthLogins).where(eq(oauthLogins.id, id)).get();
  const bindingHash = browserBinding ? await sha256Base64Url(browserBinding) : "";
  if (!row || row.callbackAt !== null || row.expiresAt <= nowMs || !timingSafeEqualText(bindingHash, row.browserBindingHash)) {
    throw new ApiError("invalid_state", INVALID_STATE);
  }
  const claimed = await ctx.db
    .update(oauthLogins)
    .set({ callbackAt: nowMs })
    .where(and(eq(oauthLogins.id, id), isNull(oauthLogins.callbackAt)))
    .returning();
  const login = claimed[0];
  if (!login) throw new ApiError("invalid_state", INVALID_STATE);
  return login;
}

/** A single-use code, valid for a minute, that the app swaps for this user's tokens. */
export async function issueHandoff(ctx: AuthContext, loginId: string, userId: string): Promise<string> {
  const code = randomToken(32);
  await ctx.db
    .update(oauthLogins)
    .set({ userId, handoffHash: await sha256Base64Url(code), handoffExpiresAt: Date.now() + HANDOFF_TTL_SECONDS * 1000 })
    .where(eq(oauthLogins.id, loginId));
  return code;
}

/**
 * Redeems a handoff code once; returns the user it signs in. Only the app that started the
 * sign-in can: it holds the verifier whose hash it sent at start (docs/protocol.md), so a code lured into
 * someone else's browser is useless there. A browser that presents it from another origin than the
 * one the sign-in returned to is refused too. The code is burnt either way.
 */
export async function redeemHandoff(ctx: AuthContext, code: string, verifier: string, origin: string | undefined): Promise<string> {
  const nowMs = Date.now();
  const redeemed = await ctx.db
    .update(oauthLogins)
    .set({ handoffUsedAt: nowMs })
    .where(and(eq(oauthLogins.handoffHash, await sha256Base64Url(code)), isNull(oauthLogins.handoffUsedAt)))
    .returning({
      userId: oauthLogins.userId,
      expiresAt: oauthLogins.handoffExpiresAt,
      returnTo: oauthLogins.returnTo,
      challenge: oauthLogins.handoffChallenge,
    });
  const login = redeemed[0];
  if (!login?.userId || login.expiresAt === null || login.expiresAt <= nowMs) throw new ApiError("invalid_handoff", INVALID_HANDOFF);
  if (!login.challenge || !timingSafeEqualText(await sha256Base64Url(verifier), login.challenge)) {
    throw new ApiError("invalid_handoff", INVALID_HANDOFF);
  }
  if (origin !== undefined && origin !== new URL(login.returnTo).origin) throw new ApiError("invalid_handoff", INVALID_HANDOFF);
  return login.userId;
}
