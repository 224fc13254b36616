/**
 * @module
 * The answer of every sign-in route (register, login, dev login, the handoff): the token body, and
 * for browsers the device token again as a cookie they keep without script access to it.
 */
import type { MfaRequiredBody } from "@tether/protocol";
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { isLoopbackUrl } from "../../shared/loopback.js";
import type { AuthAppEnv } from "../middleware.js";
import type { MfaChallenge } from "../mfa/mfa-tokens.js";
import type { SignInResponse } from "../sessions.js";
import { DEVICE_COOKIE, DEVICE_TOKEN_TTL_SECONDS } from "../tokens/device.js";

export function signedIn(c: Context<AuthAppEnv>, body: SignInResponse, status: 200 | 201 = 200) {
  const url = new URL(c.req.url);
  setCookie(c, DEVICE_COOKIE, body.device_token, {
    // Only POST /auth/login reads it; Strict, so no other site's request carries it.
    path: "/auth",
    httpOnly: true,
    // Browsers keep a Secure cookie only over https — and on http://localhost under `npm run dev`
    // most do not, so there it goes without.
    secure: !(url.protocol === "http:" && isLoopbackUrl(url)),
    sameSite: "Strict",
    maxAge: DEVICE_TOKEN_TTL_SECONDS,
  });
  return c.json(body, status);
}

/**
 * A first factor passed but the account has a second: 401 `mfa_required` in the one error shape,
 * with the token that finishes the sign-in — and no access or refresh token, no device cookie.
 */
export function mfaRequired(c: Context<AuthAppEnv>, challenge: MfaChallenge) {
  const body: MfaRequiredBody = {
    error: { code: "mfa_required", message: "Enter the code of your authenticator app, or a recovery code." },
    ...challenge,
  };
  return c.json(body, 401);
}

/** A password sign-in's answer: the tokens, or the second factor's step. */
export function signedInOrMfa(c: Context<AuthAppEnv>, outcome: SignInResponse | MfaChallenge) {
  return "mfa_token" in outcome ? mfaRequired(c, outcome) : signedIn(c, outcome);
}
