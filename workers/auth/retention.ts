import { and, asc, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { AuthContext } from "./context.js";
import {
  devMailbox,
  emailTokens,
  loginFailures,
  mfaTokens,
  oauthLogins,
  refreshTokens,
  sessions,
  sessionSyncOutbox,
  webauthnChallenges,
} from "./db/schema.js";
import { LONGEST_FAILURE_WINDOW_SECONDS } from "./login-throttle.js";
import { MAX_DELIVERY_ATTEMPTS } from "./session-sync.js";

/**
 * Retention (docs/architecture.md, Environments): the cron purges, RETENTION_DAYS after they stopped mattering,
 * ended sessions with their refresh tokens, spent refresh tokens of live sessions, delivered (or
 * given-up) session-sync rows and the dev mailbox — and a day after they expire, sign-in records
 * (they hold PKCE verifiers and handoff hashes), mailed tokens, `mfa_token`s and passkey
 * challenges, which nothing needs once expired; failed-sign-in counts once their window is over.
 *
 * One atomic batch per run, each statement bounded to PURGE_BATCH rows picked in the order of an
 * index (ids are chosen by subqueries, never bound one by one: D1 takes at most 100 parameters),
 * so a backlog drains over several runs instead of one long one. test/auth/query-plans.test.ts
 * checks that none of them scans a table.
 *
 * A used refresh token is kept until it expires: presenting it again must still be recognised as
 * reuse, and revoke the session, for as long as it could otherwise have been valid.
 */
export const PURGE_BATCH = 500;
const SIGN_IN_RETENTION_MS = 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** The tables whose rows are purged by their text id. */
type PurgedById =
  typeof refreshTokens | typeof sessionSyncOutbox | typeof oauthLogins | typeof emailTokens | typeof devMailbox | typeof webauthnChallenges;

export interface PurgeCounts {
  sessions: number;
  refreshTokens: number;
  syncRows: number;
  signIns: number;
  mailedTokens: number;
  loginFailureCounts: number;
  devMails: number;
  /** `mfa_token`s and passkey challenges. */
  ceremonies: number;
}

export async function purgeExpired(ctx: AuthContext, nowMs = Date.now()): Promise<PurgeCounts> {
  const cutoff = nowMs - ctx.config.retentionDays * DAY_MS;
  const { db } = ctx;
  /** The first PURGE_BATCH ended sessions, by the index of the column that says they ended. */
  const ended = (column: typeof sessions.revokedAt | typeof sessions.expiresAt) =>
    db.select({ id: sessions.id }).from(sessions).where(lt(column, cutoff)).orderBy(asc(column)).limit(PURGE_BATCH);
  const tokensOf = (endedSessions: ReturnType<typeof ended>) =>
    db.delete(refreshTokens).where(inArray(refreshTokens.sessionId, endedSessions));
  const sessionsIn = (endedSessions: ReturnType<typeof ended>) =>
    db.delete(sessions).where(inArray(sessions.id, endedSessions)).returning({ id: sessions.id });
  /** The first PURGE_BATCH rows of `table` that match `condition`, picked by id. */
  const firstRows = (table: PurgedById, condition: SQL | undefined) =>
    db
      .delete(table)
      .where(inArray(table.id, db.select({ id: table.id }).from(table).where(condition).limit(PURGE_BATCH)))
      .returning({ id: table.id });

  const [
    ,
    revoked,
    ,
    expired,
    lapsed,
    revokedTokens,
    delivered,
    givenUp,
    signIns,
    mailedTokens,
    loginFailureCounts,
    devMails,
    challenges,
    mfa,
  ] = await db.batch([
    // A session's refresh tokens first: they refer to it.
    tokensOf(ended(sessions.revokedAt)),
    sessionsIn(ended(sessions.revokedAt)),
    tokensOf(ended(sessions.expiresAt)),
    sessionsIn(ended(sessions.expiresAt)),
    firstRows(refreshTokens, lt(refreshTokens.expiresAt, cutoff)),
    firstRows(refreshTokens, lt(refreshTokens.revokedAt, cutoff)),
    firstRows(sessionSyncOutbox, lt(sessionSyncOutbox.deliveredAt, cutoff)),
    // Rows the pusher gave up on (MAX_DELIVERY_ATTEMPTS): kept a window for an operator to see.
    firstRows(
      sessionSyncOutbox,
      and(
        isNull(sessionSyncOutbox.deliveredAt),
        lt(sessionSyncOutbox.createdAt, cutoff),
        sql`${sessionSyncOutbox.attempts} >= ${MAX_DELIVERY_ATTEMPTS}`,
      ),
    ),
    firstRows(oauthLogins, lt(oauthLogins.expiresAt, nowMs - SIGN_IN_RETENTION_MS)),
    firstRows(emailTokens, lt(emailTokens.expiresAt, nowMs - DAY_MS)),
    // Counts of several scopes share an email key: picked by rowid, so a fresh count stays.
    db
      .delete(loginFailures)
      .where(
        inArray(
          sql`rowid`,
          db
            .select({ row: sql`rowid` })
            .from(loginFailures)
            .where(
              lt(
                loginFailures.windowStartedAt,
                nowMs - Math.max(LONGEST_FAILURE_WINDOW_SECONDS, ctx.config.loginFailureWindowSeconds) * 1000,
              ),
            )
            .limit(PURGE_BATCH),
        ),
      )
      .returning({ key: loginFailures.emailNormalized }),
    firstRows(devMailbox, lt(devMailbox.createdAt, cutoff)),
    firstRows(webauthnChallenges, lt(webauthnChallenges.expiresAt, nowMs - DAY_MS)),
    db
      .delete(mfaTokens)
      .where(
        inArray(
          mfaTokens.tokenHash,
          db
            .select({ hash: mfaTokens.tokenHash })
            .from(mfaTokens)
            .where(lt(mfaTokens.expiresAt, nowMs - DAY_MS))
            .limit(PURGE_BATCH),
        ),
      )
      .returning({ hash: mfaTokens.tokenHash }),
  ]);
  return {
    sessions: revoked.length + expired.length,
    refreshTokens: lapsed.length + revokedTokens.length,
    syncRows: delivered.length + givenUp.length,
    signIns: signIns.length,
    mailedTokens: mailedTokens.length,
    loginFailureCounts: loginFailureCounts.length,
    devMails: devMails.length,
    ceremonies: challenges.length + mfa.length,
  };
}
