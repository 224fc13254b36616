/**
 * @module
 * Telling the backend about a user, through the same outbox as revocations (session-sync.ts):
 * `user_updated` when the email, name, verified flag or permissions changed, so live sockets see
 * the new values; `user_claimed` when the address's owner took over an account an unverified
 * registrant made, so the backend deletes what that registrant planted (docs/protocol.md). Each row is
 * written in the batch that made the change, so neither happens without the other.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AuthContext } from "./context.js";
import { sessionSyncOutbox } from "./db/schema.js";

export type UserSyncKind = "user_updated" | "user_claimed";

/**
 * The outbox row for `kind`, as a statement for the caller's batch. `onlyIf` makes it conditional
 * (a claim that lost a race writes no row). The row names no sessions: delivery reads the user and
 * their live sessions as they are then, so a late delivery never carries stale values.
 */
export function userSyncEvent(ctx: AuthContext, kind: UserSyncKind, userId: string, nowMs: number, onlyIf?: SQL) {
  // Columns in table order: id, kind, user_id, session_ids, reason, created_at, attempts,
  // last_error, delivered_at.
  return ctx.db
    .insert(sessionSyncOutbox)
    .select(sql`SELECT ${crypto.randomUUID()}, ${kind}, ${userId}, '[]', ${kind}, ${nowMs}, 0, NULL, NULL WHERE ${onlyIf ?? sql`1`}`);
}
