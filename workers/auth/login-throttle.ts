/**
 * @module
 * Failed sign-ins counted per account as well as per client address (docs/protocol.md): past
 * LOGIN_MAX_FAILURES_PER_ACCOUNT failures in LOGIN_FAILURE_WINDOW_SECONDS, sign-in to that address
 * answers 429 from any client until the window ends — so guesses spread over many addresses meet a
 * limit too. The count is kept by the normalized address whether or not an account has it, so an
 * unknown address answers exactly like a known one. A successful sign-in clears it.
 */
import { eq, sql } from "drizzle-orm";
import { ApiError } from "../shared/errors.js";
import type { AuthContext } from "./context.js";
import { loginFailures } from "./db/schema.js";

export async function refuseIfThrottled(ctx: AuthContext, emailNormalized: string, nowMs: number): Promise<void> {
  const windowMs = ctx.config.loginFailureWindowSeconds * 1000;
  const row = await ctx.db.select().from(loginFailures).where(eq(loginFailures.emailNormalized, emailNormalized)).get();
  if (!row || row.windowStartedAt + windowMs <= nowMs || row.failures < ctx.config.loginMaxFailuresPerAccount) return;
  const retryAfter = Math.max(1, Math.ceil((row.windowStartedAt + windowMs - nowMs) / 1000));
  throw new ApiError("rate_limited", "Too many failed sign-ins to this account; try again later.", { "Retry-After": String(retryAfter) });
}

/** One more failure in the current window, or the first of a new one. */
export async function recordLoginFailure(ctx: AuthContext, emailNormalized: string, nowMs: number): Promise<void> {
  const windowStart = nowMs - ctx.config.loginFailureWindowSeconds * 1000;
  await ctx.db
    .insert(loginFailures)
    .values({ emailNormalized, failures: 1, windowStartedAt: nowMs })
    .onConflictDoUpdate({
      target: loginFailures.emailNormalized,
      set: {
        failures: sql`CASE WHEN ${loginFailures.windowStartedAt} <= ${windowStart} THEN 1 ELSE ${loginFailures.failures} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${loginFailures.windowStartedAt} <= ${windowStart} THEN ${nowMs} ELSE ${loginFailures.windowStartedAt} END`,
      },
    });
}

export async function clearLoginFailures(ctx: AuthContext, emailNormalized: string): Promise<void> {
  await ctx.db.delete(loginFailures).where(eq(loginFailures.emailNormalized, emailNormalized));
}
