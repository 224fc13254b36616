/**
 * @module
 * When a connection opens its next socket. Attempts follow one another with exponential backoff
 * and full jitter (`exponential-backoff`): a delay drawn from [0, min(maxDelayMs, initialDelayMs ·
 * 2^n)], where n counts the delayed attempts since the last connection that stayed up
 * `STABLE_CONNECTION_MS` — across reconnects, so a server that welcomes and at once closes again
 * is met with longer and longer waits, not a retry every `initialDelayMs`. The platform's hints
 * (network back, page visible) try at once through `retryNow`, debounced: hints that arrive
 * together, or while a fresh attempt is still opening, start no second one.
 */
import { backOff } from "exponential-backoff";
import { AttemptFailed } from "./close-policy.js";

/** `ConnectOptions.backoff` when not given. */
export const BACKOFF_DEFAULTS = { initialDelayMs: 500, maxDelayMs: 30_000 } as const;
/** A connection up this long is healthy: its drop starts the backoff from the first step again. */
export const STABLE_CONNECTION_MS = 10_000;
/** Hints within this long of the last attempt's start are one hint (`online` and `visibilitychange` fire together on wake). */
export const RETRY_NOW_DEBOUNCE_MS = 1_000;

export interface ReconnectLoopOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /**
   * One attempt: resolves once connected, throws `AttemptFailed` (only `retry` is tried again).
   * `isCurrent` turns false when a newer loop has taken over or the loop was stopped.
   */
  attempt(isCurrent: () => boolean): Promise<void>;
  /** A new loop takes over: the attempt still opening (if any) must be closed before the next opens. */
  supersede(): void;
  /** The current loop ended without a connection, with a failure not worth retrying. */
  gaveUp(failure: unknown): void;
}

export class ReconnectLoop {
  private generation = 0;
  private stopped = false;
  /** Delayed attempts since the last stable connection: the exponent of the next delay. */
  private delayedSinceStable = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** The generation whose attempt is opening a socket now, if any. */
  private opening: number | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private trailingHint: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ReconnectLoopOptions) {}

  /** Starts a new loop, superseding any running one: its first attempt at once, or after a backoff delay. */
  start(delayFirstAttempt: boolean): void {
    if (this.stopped) return;
    this.clearTimers();
    this.options.supersede();
    const generation = ++this.generation;
    const isCurrent = () => !this.stopped && generation === this.generation;
    let attemptsInLoop = 0;
    const attempt = async () => {
      if (!isCurrent()) throw new AttemptFailed("superseded");
      if (delayFirstAttempt || attemptsInLoop > 0) this.delayedSinceStable += 1;
      attemptsInLoop += 1;
      this.lastAttemptAt = Date.now();
      this.opening = generation;
      try {
        await this.options.attempt(isCurrent);
      } finally {
        if (this.opening === generation) this.opening = null;
      }
    };
    // The library counts its exponent from 0 within one call; starting it at initial · 2^n carries
    // the count of earlier loops, so only a stable connection (below) brings the delay back down.
    const startingDelay = this.options.initialDelayMs * 2 ** this.delayedSinceStable;
    backOff(attempt, {
      jitter: "full",
      startingDelay: Math.min(startingDelay, this.options.maxDelayMs),
      maxDelay: this.options.maxDelayMs,
      timeMultiple: 2,
      numOfAttempts: Number.POSITIVE_INFINITY,
      delayFirstAttempt,
      retry: (failure: unknown) => isCurrent() && failure instanceof AttemptFailed && failure.outcome === "retry",
    }).catch((failure: unknown) => {
      if (isCurrent()) this.options.gaveUp(failure);
    });
  }

  /**
   * A hint that now is a good time (the network came back, the page became visible): try at
   * once instead of after the delay. Within `RETRY_NOW_DEBOUNCE_MS` of the last attempt's start,
   * an attempt still opening is left to finish, and otherwise one retry follows once that time
   * is up — never a socket per hint.
   */
  retryNow(): void {
    if (this.stopped) return;
    const sinceLastAttemptMs = Date.now() - this.lastAttemptAt;
    // A clock set back makes the time since negative: that is no reason to wait.
    if (sinceLastAttemptMs >= RETRY_NOW_DEBOUNCE_MS || sinceLastAttemptMs < 0) return this.start(false);
    if (this.opening !== null || this.trailingHint !== undefined) return;
    this.trailingHint = setTimeout(() => {
      this.trailingHint = undefined;
      this.retryNow();
    }, RETRY_NOW_DEBOUNCE_MS - sinceLastAttemptMs);
  }

  /** The attempt was welcomed: the backoff starts over only if the connection stays up `STABLE_CONNECTION_MS`. */
  connected(): void {
    this.clearTimers();
    this.stableTimer = setTimeout(() => {
      this.delayedSinceStable = 0;
    }, STABLE_CONNECTION_MS);
  }

  /** For good: no further attempt starts (a delay already running ends without one). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  /** A new loop means the connection is down (its stability no longer counts) and a pending hint is taken care of. */
  private clearTimers(): void {
    if (this.stableTimer !== undefined) clearTimeout(this.stableTimer);
    if (this.trailingHint !== undefined) clearTimeout(this.trailingHint);
    this.stableTimer = undefined;
    this.trailingHint = undefined;
  }
}
