/**
 * @module
 * Failed password sign-ins, limited without locking the owner out (docs/protocol.md, OWASP's device-cookie
 * scheme). Three counts, each a `login_failures` row keyed by the account's email key — kept
 * whether or not an account has it, so an unknown address answers exactly like a known one:
 * - per (account, client address): past LOGIN_MAX_FAILURES_PER_ADDRESS in
 *   LOGIN_FAILURE_WINDOW_SECONDS, that address gets 429 for that account;
 * - per account, from every address: past LOGIN_ACCOUNT_MAX_FAILURES in an hour, the account
 *   refuses sign-ins from unknown devices with 429;
 * - per device token: a known device is held back by neither of those, only by its own count —
 *   past DEVICE_MAX_FAILURES wrong passwords in the window it is an unknown device again.
 *
 * An attempt is counted *before* its password is checked, by one atomic batch of upserts that
 * return the new counts (a reservation): a burst of parallel guesses is counted as it arrives,
 * never checked against a count read before the others were written. A failure keeps its
 * reservation; a success gives the account's back and clears its address's (or device's) count.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import { rateLimitClient } from "../shared/client-address.js";
import { ApiError } from "../shared/errors.js";
import type { AuthContext } from "./context.js";
import { loginFailures } from "./db/schema.js";

/** Wrong passwords a device token may come with before it stops counting as a known device. */
export const DEVICE_MAX_FAILURES = 5;
export const ACCOUNT_FAILURE_WINDOW_SECONDS = 3600;
/** How long the longest count lives: retention.ts purges rows whose window started before it. */
export const LONGEST_FAILURE_WINDOW_SECONDS = ACCOUNT_FAILURE_WINDOW_SECONDS;

const ACCOUNT_SCOPE = "account";

/** One sign-in attempt's reservation, to settle once the password has been checked. */
export type LoginReservation =
  { kind: "device"; account: string; deviceScope: string } | { kind: "unknown_device"; account: string; addressScope: string };

interface Count {
  failures: number;
  windowStartedAt: number;
}

/** One more attempt under (account, scope) in its window, or the first of a new window; returns the count. */
function reserve(ctx: AuthContext, account: string, scope: string, windowSeconds: number, nowMs: number, onlyIf?: SQL) {
  const expired = sql`${loginFailures.windowStartedAt} <= ${nowMs - windowSeconds * 1000}`;
  const insert = ctx.db.insert(loginFailures);
  // With `onlyIf`, an INSERT … SELECT that writes nothing when the condition does not hold.
  const row = onlyIf
    ? insert.select(sql`SELECT ${account}, ${scope}, 1, ${nowMs} WHERE ${onlyIf}`)
    : insert.values({ emailNormalized: account, scope, failures: 1, windowStartedAt: nowMs });
  return row
    .onConflictDoUpdate({
      target: [loginFailures.emailNormalized, loginFailures.scope],
      set: {
        failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${loginFailures.failures} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${expired} THEN ${nowMs} ELSE ${loginFailures.windowStartedAt} END`,
      },
    })
    .returning({ failures: loginFailures.failures, windowStartedAt: loginFailures.windowStartedAt });
}

function refuse(count: Count, windowSeconds: number, nowMs: number): never {
  const retryAfter = Math.max(1, Math.ceil((count.windowStartedAt + windowSeconds * 1000 - nowMs) / 1000));
  throw new ApiError("rate_limited", "Too many failed sign-ins to this account; try again later.", { "Retry-After": String(retryAfter) });
}

/**
 * Counts this attempt, before the password is checked, or answers 429. `deviceId` is the device
 * a valid device token for this account named (null: none, or not valid for it).
 */
export async function reserveLoginAttempt(
  ctx: AuthContext,
  attempt: { account: string; clientAddress: string | undefined; deviceId: string | null },
  nowMs: number,
): Promise<LoginReservation> {
  const { account } = attempt;
  const windowSeconds = ctx.config.loginFailureWindowSeconds;
  if (attempt.deviceId !== null) {
    const deviceScope = `device:${attempt.deviceId}`;
    const [[device]] = await ctx.db.batch([reserve(ctx, account, deviceScope, windowSeconds, nowMs)]);
    if (device && device.failures <= DEVICE_MAX_FAILURES) return { kind: "device", account, deviceScope };
    // A device token that came with too many wrong passwords is an unknown device until its window ends.
  }
  const addressScope = `address:${rateLimitClient(attempt.clientAddress)}`;
  const addressLimit = ctx.config.loginMaxFailuresPerAddress;
  // The account counts only attempts its address may still make: an address past its own limit
  // (already answered 429) cannot wear down the account's count for everyone else.
  const addressWithinLimit = sql`(SELECT ${loginFailures.failures} FROM ${loginFailures}
    WHERE ${loginFailures.emailNormalized} = ${account} AND ${loginFailures.scope} = ${addressScope}) <= ${addressLimit}`;
  const [[address], [everywhere]] = await ctx.db.batch([
    reserve(ctx, account, addressScope, windowSeconds, nowMs),
    reserve(ctx, account, ACCOUNT_SCOPE, ACCOUNT_FAILURE_WINDOW_SECONDS, nowMs, addressWithinLimit),
  ]);
  if (address && address.failures > addressLimit) refuse(address, windowSeconds, nowMs);
  if (everywhere && everywhere.failures > ctx.config.loginAccountMaxFailures) refuse(everywhere, ACCOUNT_FAILURE_WINDOW_SECONDS, nowMs);
  return { kind: "unknown_device", account, addressScope };
}

/**
 * The password was right: the account's reservation is given back (the owner's own sign-ins never
 * count against it), and the address's or the device's count starts again.
 */
export async function releaseLoginAttempt(ctx: AuthContext, reservation: LoginReservation): Promise<void> {
  const { account } = reservation;
  if (reservation.kind === "device") {
    await ctx.db
      .delete(loginFailures)
      .where(and(eq(loginFailures.emailNormalized, account), eq(loginFailures.scope, reservation.deviceScope)));
    return;
  }
  await ctx.db.batch([
    ctx.db.delete(loginFailures).where(and(eq(loginFailures.emailNormalized, account), eq(loginFailures.scope, reservation.addressScope))),
    ctx.db
      .update(loginFailures)
      .set({ failures: sql`max(${loginFailures.failures} - 1, 0)` })
      .where(and(eq(loginFailures.emailNormalized, account), eq(loginFailures.scope, ACCOUNT_SCOPE))),
  ]);
}

/** For a password reset's batch: every count of the account goes (only if `onlyIf` holds). */
export function clearLoginFailures(ctx: AuthContext, account: string, onlyIf?: SQL) {
  return ctx.db
    .delete(loginFailures)
    .where(onlyIf ? and(eq(loginFailures.emailNormalized, account), onlyIf) : eq(loginFailures.emailNormalized, account));
}
