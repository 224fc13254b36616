/**
 * @module
 * Codes tried for one account — TOTP or recovery, at sign-in, confirmation or turning it off — are
 * counted per account before they are checked, in one statement, so a burst of parallel guesses
 * is counted as it arrives: past MFA_MAX_FAILURES in MFA_FAILURE_WINDOW_SECONDS, 429 with
 * Retry-After and the code is not even looked at. A right code clears the count. Six digits are a
 * million codes; five tries a quarter of an hour leave a guesser with one chance in 66,000 a day.
 */
import { sql } from "drizzle-orm";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { userTotp } from "../db/schema.js";

export const MFA_MAX_FAILURES = 5;
export const MFA_FAILURE_WINDOW_SECONDS = 900;

/** Counts one attempt for `userId`'s second factor; 429 past the limit. */
export async function reserveCodeAttempt(ctx: AuthContext, userId: string, nowMs: number): Promise<void> {
  const windowStart = nowMs - MFA_FAILURE_WINDOW_SECONDS * 1000;
  const expired = sql`(${userTotp.failureWindowStartedAt} IS NULL OR ${userTotp.failureWindowStartedAt} <= ${windowStart})`;
  const [row] = await ctx.db
    .update(userTotp)
    .set({
      failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${userTotp.failures} + 1 END`,
      failureWindowStartedAt: sql`CASE WHEN ${expired} THEN ${nowMs} ELSE ${userTotp.failureWindowStartedAt} END`,
    })
    .where(sql`${userTotp.userId} = ${userId}`)
    .returning({ failures: userTotp.failures, windowStartedAt: userTotp.failureWindowStartedAt });
  if (row && row.failures > MFA_MAX_FAILURES) {
    const retryAfter = Math.max(1, Math.ceil(((row.windowStartedAt ?? nowMs) + MFA_FAILURE_WINDOW_SECONDS * 1000 - nowMs) / 1000));
    throw new ApiError("rate_limited", "Too many wrong codes; try again later.", { "Retry-After": String(retryAfter) });
  }
}

/** The statement that clears the count, for the batch that accepts a right code. */
export function clearCodeAttempts(ctx: AuthContext, userId: string) {
  return ctx.db
    .update(userTotp)
    .set({ failures: 0, failureWindowStartedAt: null })
    .where(sql`${userTotp.userId} = ${userId}`);
}
