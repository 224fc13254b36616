/**
 * @module
 * The answer of every sign-in route (register, login, dev login, the handoff): the token body, and
 * for browsers the device token again as a cookie they keep without script access to it.
 */
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { isLoopbackUrl } from "../../shared/loopback.js";
import type { AuthAppEnv } from "../middleware.js";
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
