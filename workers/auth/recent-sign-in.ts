/**
 * @module
 * Recent sign-in for sensitive routes (docs/sign-in.md, Recent sign-in): logout-all, adding or
 * removing a passkey or a second factor. A stolen access or refresh token keeps a session going,
 * but its `auth_time` stays the sign-in's (a refresh never moves it), so the thief cannot use it to
 * lock the owner out or plant a credential of their own past RECENT_AUTH_SECONDS.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../shared/errors.js";
import type { AuthAppEnv } from "./middleware.js";
import type { Session } from "./db/schema.js";

/** Whether the session signed in within `recentAuthSeconds` of `nowMs`. */
export function signedInRecently(session: Pick<Session, "authTime" | "createdAt">, recentAuthSeconds: number, nowMs: number): boolean {
  const authTime = session.authTime ?? session.createdAt;
  return nowMs - authTime <= recentAuthSeconds * 1000;
}

/** After requireUserSession: 403 `reauth_required` unless the session signed in recently; nothing is read or changed before. */
export const requireRecentSignIn = createMiddleware<AuthAppEnv>(async (c, next) => {
  if (!signedInRecently(c.var.access.session, c.var.auth.config.recentAuthSeconds, Date.now())) {
    throw new ApiError("reauth_required", "This needs a recent sign-in: sign in again, then retry.");
  }
  await next();
});
