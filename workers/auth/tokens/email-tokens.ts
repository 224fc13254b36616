/**
 * @module
 * Single-use tokens sent by mail: email verification (24 h) and password reset (30 min). 256 bits
 * of randomness, stored only as a SHA-256 hash, bound to one purpose, one user and the address the
 * mail went to. Redeeming one marks it used in the same batch as what it does.
 */
import { and, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import { randomToken, sha256Base64Url } from "../../shared/crypto.js";
import { logEvent } from "../../shared/request-log.js";
import type { AuthDatabase } from "../db/client.js";
import { emailTokens, type EmailToken, type EmailTokenPurpose } from "../db/schema.js";

export async function newEmailToken(
  user: { id: string; email: string },
  purpose: EmailTokenPurpose,
  ttlSeconds: number,
  nowMs: number,
): Promise<{ token: string; row: EmailToken }> {
  const token = randomToken(32);
  return {
    token,
    row: {
      id: crypto.randomUUID(),
      userId: user.id,
      purpose,
      tokenHash: await sha256Base64Url(token),
      email: user.email,
      createdAt: nowMs,
      expiresAt: nowMs + ttlSeconds * 1000,
      usedAt: null,
    },
  };
}

/**
 * Each account is sent at most this many tokens of one purpose (verification, reset) per window
 * (docs/protocol.md), besides the per-address rate limits: past it the request is answered the same and
 * nothing is sent, so nobody can make us flood a mailbox they do not own.
 */
export const MAILED_TOKENS_PER_ACCOUNT_PER_WINDOW = 3;
export const MAILED_TOKEN_WINDOW_SECONDS = 3600;

/**
 * Stores a new token unless its user was already sent MAILED_TOKENS_PER_ACCOUNT_PER_WINDOW of that
 * purpose in the window; true if stored (and so the mail may go). The count is of the rows this
 * table keeps anyway (retention purges them a day after they expire), and count and insert are one
 * statement, so parallel requests cannot each see room for one more.
 */
export async function storeTokenWithinMailLimit(db: AuthDatabase, row: EmailToken): Promise<boolean> {
  const since = row.createdAt - MAILED_TOKEN_WINDOW_SECONDS * 1000;
  const inserted = await db.all<{ id: string }>(sql`
    INSERT INTO ${emailTokens} (id, user_id, purpose, token_hash, email, created_at, expires_at, used_at)
    SELECT ${row.id}, ${row.userId}, ${row.purpose}, ${row.tokenHash}, ${row.email}, ${row.createdAt}, ${row.expiresAt}, NULL
    WHERE (
      SELECT count(*) FROM ${emailTokens}
      WHERE ${emailTokens.userId} = ${row.userId} AND ${emailTokens.purpose} = ${row.purpose} AND ${emailTokens.createdAt} > ${since}
    ) < ${MAILED_TOKENS_PER_ACCOUNT_PER_WINDOW}
    RETURNING id`);
  if (inserted.length > 0) return true;
  logEvent("warn", "mail_limited", { kind: row.purpose, user_id: row.userId });
  return false;
}

/** The unused, unexpired token of `purpose` with this value, if there is one. */
export async function findRedeemableToken(
  db: AuthDatabase,
  token: string,
  purpose: EmailTokenPurpose,
  nowMs: number,
): Promise<EmailToken | undefined> {
  if (token.length > 128) return undefined;
  return db
    .select()
    .from(emailTokens)
    .where(
      and(
        eq(emailTokens.tokenHash, await sha256Base64Url(token)),
        eq(emailTokens.purpose, purpose),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, nowMs),
      ),
    )
    .get();
}

/** For a redeeming batch: marks the token used, only if nobody has yet (and `onlyIf` holds). */
export function claimToken(db: AuthDatabase, id: string, nowMs: number, onlyIf?: SQL) {
  return db
    .update(emailTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(emailTokens.id, id), isNull(emailTokens.usedAt), onlyIf))
    .returning({ id: emailTokens.id });
}

/** For a redeeming batch: the user's other unused tokens of `purpose` stop working too (if `onlyIf` holds). */
export function retireOtherTokens(db: AuthDatabase, userId: string, purpose: EmailTokenPurpose, nowMs: number, onlyIf?: SQL) {
  return db
    .update(emailTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), onlyIf));
}
