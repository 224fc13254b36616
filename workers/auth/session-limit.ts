/**
 * @module
 * At most MAX_SESSIONS_PER_USER live sessions per user (docs/protocol.md): a sign-in past it ends the
 * oldest, revoked like any other session — its refresh tokens, and an outbox row so its sockets
 * close (session-sync.ts) — in the sign-in's own batch, so the limit holds however many sign-ins
 * run at once.
 */
import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import type { SessionRevocationReason } from "../shared/rpc.js";
import type { AuthContext } from "./context.js";
import { refreshTokens, sessions, sessionSyncOutbox } from "./db/schema.js";

const REASON: SessionRevocationReason = "session_limit";

/**
 * For a sign-in's batch, after the new session's insert: revokes every live session of the user
 * beyond the newest MAX_SESSIONS_PER_USER (the new one counts), then their refresh tokens, then
 * queues closing their sockets. Nothing happens unless the new session was written.
 */
export function sessionLimitRevocation(ctx: AuthContext, userId: string, newSessionId: string, nowMs: number) {
  const live = and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, nowMs));
  const newest = ctx.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(live)
    .orderBy(sql`${sessions.createdAt} DESC, ${sessions.id} DESC`)
    .limit(ctx.config.maxSessionsPerUser);
  const endedHere = ctx.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.revokedAt, nowMs), eq(sessions.revokedReason, REASON)));
  return [
    ctx.db
      .update(sessions)
      .set({ revokedAt: nowMs, revokedReason: REASON })
      .where(
        and(live, sql`${sessions.id} NOT IN ${newest}`, sql`EXISTS (SELECT 1 FROM ${sessions} AS fresh WHERE fresh.id = ${newSessionId})`),
      ),
    ctx.db
      .update(refreshTokens)
      .set({ revokedAt: nowMs })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), inArray(refreshTokens.sessionId, endedHere))),
    // Columns in table order: id, kind, user_id, session_ids, reason, created_at, attempts,
    // last_error, delivered_at. A row only if some session ended here.
    ctx.db.insert(sessionSyncOutbox).select(
      sql`SELECT ${crypto.randomUUID()}, 'revoke_user', ${userId}, json_group_array(ended.id), ${REASON}, ${nowMs}, 0, NULL, NULL
            FROM (${endedHere}) AS ended HAVING count(*) > 0`,
    ),
  ] as const;
}
