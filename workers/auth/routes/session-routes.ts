import { Hono } from "hono";
import { jsonBody } from "../../shared/http.js";
import { rateLimit, requireAccessKeys, requireUserSession, type AuthAppEnv } from "../middleware.js";
import { requireRecentSignIn } from "../recent-sign-in.js";
import { RefreshBody } from "../schemas.js";
import { revokeSession, revokeUserSessions } from "../revocation.js";
import { ApiError } from "../../shared/errors.js";
import { findSession, listLiveSessions, publicSession, refreshSession } from "../sessions.js";
import { pushSessionSync } from "../session-sync.js";
import { toPublicUser } from "../users.js";

/** A session's life after sign-in: refresh, inspect, end. */
export const sessionRoutes = new Hono<AuthAppEnv>();

sessionRoutes.post("/refresh", rateLimit("refresh"), requireAccessKeys, jsonBody(RefreshBody), async (c) => {
  const { refresh_token } = c.req.valid("json");
  try {
    return c.json(await refreshSession(c.var.auth, refresh_token));
  } finally {
    // A reuse just revoked a session: its sockets close now, not at the next retry.
    c.executionCtx.waitUntil(pushSessionSync(c.var.auth, c.env));
  }
});

sessionRoutes.post("/logout", requireUserSession, async (c) => {
  await revokeSession(c.var.auth, c.var.access.session, "logout");
  c.executionCtx.waitUntil(pushSessionSync(c.var.auth, c.env));
  return c.body(null, 204);
});

sessionRoutes.post("/logout-all", requireUserSession, requireRecentSignIn, async (c) => {
  await revokeUserSessions(c.var.auth, c.var.access.user.id, "logout_all");
  c.executionCtx.waitUntil(pushSessionSync(c.var.auth, c.env));
  return c.body(null, 204);
});

sessionRoutes.get("/me", requireUserSession, (c) => {
  const { user, session } = c.var.access;
  return c.json({ user: toPublicUser(user), session: publicSession(session, session.id) });
});

/**
 * Signs out one of the caller's own sessions (another device): its tokens stop working and its
 * sockets get `session_revoked` and close 4003. Anyone else's session — or none — is 404 alike.
 */
sessionRoutes.delete("/sessions/:id", requireUserSession, async (c) => {
  const id = c.req.param("id");
  const target = id.length <= 64 ? await findSession(c.var.auth, id) : undefined;
  if (!target || target.userId !== c.var.access.user.id || target.revokedAt !== null) {
    throw new ApiError("not_found", "No such session of yours.");
  }
  await revokeSession(c.var.auth, target, "logout");
  c.executionCtx.waitUntil(pushSessionSync(c.var.auth, c.env));
  return c.body(null, 204);
});

sessionRoutes.get("/sessions", requireUserSession, async (c) => {
  const { user, session } = c.var.access;
  const live = await listLiveSessions(c.var.auth, user.id);
  return c.json({ sessions: live.map((row) => publicSession(row, session.id)) });
});
