/**
 * @module
 * Ending sessions. Each revocation is one atomic batch: the session rows, every refresh token they
 * hold, and the session-sync outbox row that tells the backend to close their sockets
 * (session-sync.ts). Nothing is revoked without its outbox row, nor the other way round.
 */
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { ApiError } from "../shared/errors.js";
import type { SessionRevocationReason } from "../shared/rpc.js";
import type { AuthContext } from "./context.js";
import { refreshTokens, sessions, sessionSyncOutbox, users } from "./db/schema.js";
import { findUserById } from "./users.js";

/** Revokes one session and every refresh token it holds, and queues the socket close. */
export async function revokeSession(
  ctx: AuthContext,
  session: { id: string; userId: string },
  reason: SessionRevocationReason,
): Promise<void> {
  const nowMs = Date.now();
  await ctx.db.batch([
    ctx.db.insert(sessionSyncOutbox).values({
      id: crypto.randomUUID(),
      kind: "revoke_session",
      userId: session.userId,
      sessionIds: [session.id],
      reason,
      createdAt: nowMs,
    }),
    ctx.db
      .update(refreshTokens)
      .set({ revokedAt: nowMs })
      .where(and(eq(refreshTokens.sessionId, session.id), isNull(refreshTokens.revokedAt))),
    ctx.db
      .update(sessions)
      .set({ revokedAt: nowMs, revokedReason: reason })
      .where(and(eq(sessions.id, session.id), isNull(sessions.revokedAt))),
  ]);
}

/**
 * Revokes every live session of a user and queues closing all their sockets. The outbox row is
 * written last in the same batch and names exactly the sessions this batch revoked (read back by
 * its revocation time and reason): a session created while this runs is either revoked and in the
 * row, or neither — never revoked in D1 yet missing from the sync. Returns the ids revoked.
 */
export async function revokeUserSessions(ctx: AuthContext, userId: string, reason: SessionRevocationReason): Promise<string[]> {
  const [, revoked] = await ctx.db.batch(userRevocation(ctx, userId, reason, Date.now()));
  return revoked.map((session) => session.id);
}

/**
 * The statements of a user's revocation, for a batch that does more in the same write (a password
 * reset, an account claimed by the address's owner): refresh tokens, sessions (their ids returned,
 * second), then the outbox row naming exactly those sessions (see revokeUserSessions). With
 * `onlyIf`, each statement does something only while it holds — a reset or a claim that lost a
 * race revokes nothing and queues nothing (docs/protocol.md).
 */
export function userRevocation(ctx: AuthContext, userId: string, reason: SessionRevocationReason, nowMs: number, onlyIf?: SQL) {
  const revokedHere = sql`(SELECT json_group_array(${sessions.id}) FROM ${sessions}
    WHERE ${sessions.userId} = ${userId} AND ${sessions.revokedAt} = ${nowMs} AND ${sessions.revokedReason} = ${reason})`;
  return [
    ctx.db
      .update(refreshTokens)
      .set({ revokedAt: nowMs })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), onlyIf)),
    ctx.db
      .update(sessions)
      .set({ revokedAt: nowMs, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), onlyIf))
      .returning({ id: sessions.id }),
    // Columns in table order: id, kind, user_id, session_ids, reason, created_at, attempts,
    // last_error, delivered_at.
    ctx.db
      .insert(sessionSyncOutbox)
      .select(
        sql`SELECT ${crypto.randomUUID()}, 'revoke_user', ${userId}, ${revokedHere}, ${reason}, ${nowMs}, 0, NULL, NULL WHERE ${onlyIf ?? sql`1`}`,
      ),
  ] as const;
}

/** Disables the user and revokes every session; returns how many sessions were live. */
export async function disableUser(ctx: AuthContext, userId: string): Promise<number> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new ApiError("not_found", "No such user.");
  const nowMs = Date.now();
  // Disabled first: if the revocation below fails, every token of the user is already refused.
  await ctx.db
    .update(users)
    .set({ disabledAt: nowMs, updatedAt: nowMs })
    .where(and(eq(users.id, userId), isNull(users.disabledAt)));
  return (await revokeUserSessions(ctx, userId, "user_disabled")).length;
}
