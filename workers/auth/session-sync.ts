import { and, asc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import * as z from "zod";
import {
  MAX_SESSIONS_PER_REVOKE_CALL,
  SESSION_SYNC_MAX_ATTEMPTS,
  type SessionControlApi,
  type SessionRevocationReason,
} from "../shared/rpc.js";
import { checkedResult } from "../shared/rpc-results.js";
import { ServiceTokenSource } from "../shared/service-token.js";
import { AUTH_SERVICE_ID, AUTH_SERVICE_NAME, BACKEND_SERVICE_NAME, SERVICE_PERMISSIONS } from "../shared/tokens.js";
import type { AuthBindings } from "./config.js";
import type { AuthContext } from "./context.js";
import { sessions, sessionSyncOutbox, type SessionSyncEvent } from "./db/schema.js";
import { mintServiceToken } from "./tokens/service.js";
import { findUserById, toPublicUser } from "./users.js";

/**
 * Pushes recorded revocations (and user changes, user-sync.ts) to the backend's SessionControl,
 * so live sockets close with 4003, or see the user's new values, at once. Runs after each revocation (waitUntil) and from the cron trigger; what fails stays in
 * the outbox for the next run. Calls carry the auth Worker's own service token (`sub: "auth"`).
 */
const BATCH_SIZE = 50;
/** After this many failed deliveries a row is given up on (and purged later, retention.ts). */
export const MAX_DELIVERY_ATTEMPTS = SESSION_SYNC_MAX_ATTEMPTS;

let ownToken: { issuer: string; source: ServiceTokenSource } | null = null;

/** The auth Worker mints its own service token, for its calls to the backend. */
function ownServiceToken(auth: AuthContext): Promise<string> {
  if (ownToken?.issuer !== auth.config.issuer) {
    ownToken = {
      issuer: auth.config.issuer,
      source: new ServiceTokenSource(async () =>
        mintServiceToken(
          await auth.serviceKeys(),
          auth.config.issuer,
          { id: AUTH_SERVICE_ID, name: AUTH_SERVICE_NAME, audiences: [BACKEND_SERVICE_NAME] },
          [SERVICE_PERMISSIONS.revokeSessions, SERVICE_PERMISSIONS.syncUsers],
        ),
      ),
    };
  }
  return ownToken.source.get();
}

/**
 * One outbox row to the backend: a session, or a user's sessions in pages of at most
 * MAX_SESSIONS_PER_REVOKE_CALL (any number of them). The first page that fails fails the row, which
 * is retried whole: closing a session's sockets twice is harmless, and so is telling a socket the
 * same user twice or deleting a claimed user's old data again.
 */
async function deliver(auth: AuthContext, backend: SessionControlApi, token: string, event: SessionSyncEvent): Promise<unknown> {
  if (event.kind === "user_claimed") return backend.userClaimed(token, event.userId, event.createdAt);
  if (event.kind === "user_updated") return deliverUserUpdate(auth, backend, token, event.userId);
  const reason = event.reason as SessionRevocationReason;
  const [first] = event.sessionIds;
  if (event.kind === "revoke_session" && first !== undefined) return backend.revokeSession(token, first, reason, event.userId);
  return inPages(event.sessionIds, (page) => backend.revokeUser(token, event.userId, page, reason));
}

/** The user as they are now, to each of their live sessions (none left: nothing to tell). */
async function deliverUserUpdate(auth: AuthContext, backend: SessionControlApi, token: string, userId: string): Promise<unknown> {
  const user = await findUserById(auth.db, userId);
  if (!user) return { ok: true, value: { updated: 0 } };
  const live = await auth.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, Date.now())))
    .all();
  const publicUser = toPublicUser(user);
  return inPages(
    live.map((session) => session.id),
    (page) => backend.userUpdated(token, publicUser, page),
  );
}

/** Calls `send` for each page of at most MAX_SESSIONS_PER_REVOKE_CALL ids; stops at the first failure. */
async function inPages(ids: string[], send: (page: string[]) => Promise<unknown>): Promise<unknown> {
  let answer: unknown = { ok: true, value: { closed: 0 } };
  for (let start = 0; start < ids.length; start += MAX_SESSIONS_PER_REVOKE_CALL) {
    answer = await send(ids.slice(start, start + MAX_SESSIONS_PER_REVOKE_CALL));
    if (!checkedResult(answer, z.unknown()).ok) return answer;
  }
  return answer;
}

/**
 * Rows this isolate is delivering now. A revocation pushes the outbox right after its write, and
 * revocations come in bursts (an operator disabling users, a password reset during a logout): each
 * push skips what another is already delivering instead of delivering it again behind it.
 */
const inFlight = new Set<string>();

/**
 * Delivers pending outbox rows, fewest attempts and then oldest first, all of a page at once (each row is its own RPC and
 * its own sessions; one slow row does not hold up the others). Returns how many were delivered.
 */
export async function pushSessionSync(auth: AuthContext, env: Pick<AuthBindings, "BACKEND">): Promise<number> {
  const pending = await auth.db
    .select()
    .from(sessionSyncOutbox)
    .where(and(isNull(sessionSyncOutbox.deliveredAt), lt(sessionSyncOutbox.attempts, MAX_DELIVERY_ATTEMPTS)))
    // Fewest attempts first, then oldest: rows that keep failing (a backlog while the backend was
    // down, a row it refuses) must not hold back the next logout's close behind them.
    .orderBy(asc(sessionSyncOutbox.attempts), asc(sessionSyncOutbox.createdAt))
    .limit(BATCH_SIZE)
    .all();
  const mine = pending.filter((event) => !inFlight.has(event.id));
  for (const event of mine) inFlight.add(event.id);
  try {
    const outcomes = await Promise.all(mine.map((event) => deliverRow(auth, env, event)));
    return outcomes.filter(Boolean).length;
  } finally {
    for (const event of mine) inFlight.delete(event.id);
  }
}

/** One row: delivered and marked so, or its failure counted for the next push. */
async function deliverRow(auth: AuthContext, env: Pick<AuthBindings, "BACKEND">, event: SessionSyncEvent): Promise<boolean> {
  let error: string | null = null;
  try {
    if (!env.BACKEND) throw new Error("no BACKEND binding");
    // Only a well-formed success counts as delivered: anything else is retried.
    const result = checkedResult(await deliver(auth, env.BACKEND, await ownServiceToken(auth), event), z.unknown());
    if (!result.ok) error = result.error.code;
  } catch (failure) {
    error = failure instanceof Error ? failure.message.slice(0, 200) : "delivery failed";
  }
  await auth.db
    .update(sessionSyncOutbox)
    .set(
      error === null
        ? { deliveredAt: Date.now(), lastError: null }
        : { attempts: sql`${sessionSyncOutbox.attempts} + 1`, lastError: error },
    )
    .where(eq(sessionSyncOutbox.id, event.id));
  return error === null;
}
