import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import * as z from "zod";
import { randomToken } from "../../shared/crypto.js";
import { ApiError } from "../../shared/errors.js";
import { jsonBody } from "../../shared/http.js";
import { clientInfo, rateLimit, requireAccessKeys, type AuthAppEnv } from "../middleware.js";
import { userForIdentity } from "../oauth/identities.js";
import {
  claimLoginAttempt,
  issueHandoff,
  LOGIN_ATTEMPT_TTL_SECONDS,
  redeemHandoff,
  saveLoginAttempt,
  signState,
  verifyState,
} from "../oauth/login-attempts.js";
import { authorizationRequest, identityFromCallback } from "../oauth/provider-client.js";
import { configuredProviders, findProvider } from "../oauth/providers.js";
import { checkReturnTo, MAX_RETURN_TO_LENGTH } from "../oauth/return-origins.js";
import { allowedReturnOrigins, callbackOrigin, providerCallOptions } from "../oauth/settings.js";
import { pushSessionSync } from "../session-sync.js";
import { startSession } from "../sessions.js";
import { findUserById } from "../users.js";
import { issueMfaToken } from "../mfa/mfa-tokens.js";
import { hasSecondFactor } from "../mfa/second-factor.js";
import { mfaRequired, signedIn } from "./signed-in.js";

/**
 * Sign-in through OIDC/OAuth providers (docs/sign-in.md, providers):
 *   start → provider → callback → back to the app with `#handoff=<code>` → POST /handoff → tokens.
 * Tokens never travel in a URL: the browser carries only the single-use, one-minute handoff code,
 * in the fragment, which no server log or Referer sees.
 */
export const oauthRoutes = new Hono<AuthAppEnv>();

/** Ties a sign-in to the browser that started it; HttpOnly, sent only to the OAuth routes. */
const BROWSER_BINDING_COOKIE = "tether_oauth_binding";

/** A PKCE-style value: 43 to 128 characters of base64url (RFC 7636's verifier alphabet, less `.~`). */
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;
const StartQuery = z.strictObject({
  return_to: z.string().max(MAX_RETURN_TO_LENGTH).optional(),
  handoff_challenge: z.string().regex(BASE64URL_43),
});
const HandoffBody = z.strictObject({
  code: z.string().min(1).max(128),
  verifier: z.string().regex(/^[A-Za-z0-9_-]{43,128}$/),
});

oauthRoutes.get("/oauth/providers", (c) =>
  c.json({
    providers: [...configuredProviders(c.env, c.var.auth.config).values()].map(({ id, name }) => ({
      id,
      name,
      start: `/auth/oauth/${id}/start`,
    })),
  }),
);

/** Back to the app, with the handoff code or the error in the fragment. */
function backToApp(c: Context<AuthAppEnv>, returnTo: URL, outcome: { handoff: string } | ApiError) {
  const target = new URL(returnTo);
  const fields = outcome instanceof ApiError ? { error: outcome.code, error_description: outcome.message } : outcome;
  target.hash = new URLSearchParams(fields).toString();
  c.header("Referrer-Policy", "no-referrer");
  return c.redirect(target.toString(), 303);
}

oauthRoutes.get("/oauth/:provider/start", rateLimit("oauth-start"), async (c) => {
  const provider = findProvider(c.env, c.var.auth.config, c.req.param("provider"));
  const query = StartQuery.safeParse(c.req.query());
  if (!query.success) {
    throw new ApiError(
      "validation_failed",
      `The query is handoff_challenge (BASE64URL(SHA-256(verifier)), 43 characters) and an optional return_to (at most ${MAX_RETURN_TO_LENGTH} characters).`,
    );
  }
  const requestUrl = new URL(c.req.url);
  const returnTo = checkReturnTo(query.data.return_to ?? `${requestUrl.origin}/`, allowedReturnOrigins(c.env));

  // OAuth proxy: every sign-in runs on the one origin registered with the provider, so the
  // binding cookie set below comes back with the provider's redirect to the callback.
  const origin = callbackOrigin(c.env, requestUrl);
  if (requestUrl.origin !== origin) return c.redirect(`${origin}${requestUrl.pathname}${requestUrl.search}`, 302);

  const auth = c.var.auth;
  const id = crypto.randomUUID();
  const redirectUri = `${origin}/auth/oauth/${provider.id}/callback`;
  // One binding per browser, reused by parallel sign-ins in other tabs.
  const existing = getCookie(c, BROWSER_BINDING_COOKIE);
  const browserBinding = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken(32);
  let request: Awaited<ReturnType<typeof authorizationRequest>>;
  try {
    const state = await signState(auth, { id, provider: provider.id, returnTo });
    request = await authorizationRequest(provider, redirectUri, state, providerCallOptions(auth.config, provider));
  } catch (error) {
    if (error instanceof ApiError) return backToApp(c, returnTo, error);
    throw error;
  }
  await saveLoginAttempt(auth, {
    id,
    provider: provider.id,
    browserBinding,
    codeVerifier: request.codeVerifier,
    nonce: request.nonce,
    redirectUri,
    returnTo,
    handoffChallenge: query.data.handoff_challenge,
  });
  setCookie(c, BROWSER_BINDING_COOKIE, browserBinding, {
    path: "/auth/oauth",
    httpOnly: true,
    secure: requestUrl.protocol === "https:",
    sameSite: "Lax",
    maxAge: LOGIN_ATTEMPT_TTL_SECONDS,
  });
  return c.redirect(request.url.toString(), 302);
});

oauthRoutes.get("/oauth/:provider/callback", async (c) => {
  const provider = findProvider(c.env, c.var.auth.config, c.req.param("provider"));
  const auth = c.var.auth;
  // Until the state checks out nothing here is trusted, not even where to send the browser:
  // these failures answer here, in the JSON error shape.
  const state = c.req.query("state");
  const loginId = await verifyState(auth, state, provider.id);
  const login = await claimLoginAttempt(auth, loginId, getCookie(c, BROWSER_BINDING_COOKIE));
  // Checked again: the allowed origins may have changed since the sign-in started.
  const returnTo = checkReturnTo(login.returnTo, allowedReturnOrigins(c.env));
  try {
    const identity = await identityFromCallback(
      provider,
      new URL(c.req.url),
      { state: state ?? "", codeVerifier: login.codeVerifier, nonce: login.nonce, redirectUri: login.redirectUri },
      providerCallOptions(auth.config, provider),
    );
    const user = await userForIdentity(auth, provider.id, identity);
    // An account claimed from an unverified registrant: their sockets close now.
    c.executionCtx.waitUntil(pushSessionSync(auth, c.env));
    return backToApp(c, returnTo, { handoff: await issueHandoff(auth, login.id, user.id) });
  } catch (error) {
    if (error instanceof ApiError) return backToApp(c, returnTo, error);
    throw error;
  }
});

oauthRoutes.post("/oauth/handoff", rateLimit("handoff"), requireAccessKeys, jsonBody(HandoffBody), async (c) => {
  const auth = c.var.auth;
  const { code, verifier } = c.req.valid("json");
  const userId = await redeemHandoff(auth, code, verifier, c.req.header("Origin"));
  const user = await findUserById(auth.db, userId);
  if (!user) throw new ApiError("invalid_handoff", "The handoff code is unknown, expired or already used; sign in again.");
  if (user.disabledAt !== null) throw new ApiError("account_disabled", "This account is disabled.");
  // A provider proves the address, not the second factor: an account with one still asks for it.
  if (await hasSecondFactor(auth, user.id)) return mfaRequired(c, await issueMfaToken(auth, user, { amr: ["oidc"] }));
  return signedIn(c, await startSession(auth, user, clientInfo(c), { amr: ["oidc"] }));
});
