/**
 * @module
 * A circuit breaker around calls to a dependency (the auth RPC): closed → open after
 * `failureThreshold` consecutive failures or timeouts → half-open after `cooldownMs`, letting up
 * to `halfOpenProbes` calls through; a success closes it, a failure opens it again. Every call
 * has a deadline, so a hung dependency costs at most `callTimeoutMs`, never a hang.
 */

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  failureThreshold: number;
  callTimeoutMs: number;
  cooldownMs: number;
  halfOpenProbes: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = {
  failureThreshold: 5,
  callTimeoutMs: 2000,
  cooldownMs: 30_000,
  halfOpenProbes: 3,
};

export class BreakerOpenError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("The circuit is open.");
    this.name = "BreakerOpenError";
  }
}

export class CallTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`The call did not answer within ${timeoutMs} ms.`);
    this.name = "CallTimeoutError";
  }
}

export class CircuitBreaker {
  private stateValue: BreakerState = "closed";
  private consecutiveFailures = 0;
  private openedAtMs = 0;
  private probesInFlight = 0;

  constructor(
    readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.stateValue === "open" && this.now() - this.openedAtMs >= this.options.cooldownMs) {
      this.stateValue = "half_open";
      this.probesInFlight = 0;
    }
    return this.stateValue;
  }

  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.openedAtMs + this.options.cooldownMs - this.now()) / 1000));
  }

  /**
   * Runs `work` under the breaker. `isFailure` decides whether a *returned* value counts as the
   * dependency failing (an RPC that answers "internal error" is down as much as one that throws).
   */
  async call<T>(work: () => Promise<T>, isFailure: (value: T) => boolean = () => false): Promise<T> {
    const state = this.state;
    if (state === "open") throw new BreakerOpenError(this.retryAfterSeconds());
    if (state === "half_open") {
      if (this.probesInFlight >= this.options.halfOpenProbes) throw new BreakerOpenError(1);
      this.probesInFlight += 1;
    }
    try {
      const value = await this.withDeadline(work);
      if (isFailure(value)) this.recordFailure();
      else this.recordSuccess();
      return value;
    } catch (error) {
      this.recordFailure();
      throw error;
    } finally {
      if (state === "half_open") this.probesInFlight = Math.max(0, this.probesInFlight - 1);
    }
  }

  private async withDeadline<T>(work: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallTimeoutError(this.options.callTimeoutMs)), this.options.callTimeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private recordSuccess() {
    this.stateValue = "closed";
    this.consecutiveFailures = 0;
  }

  private recordFailure() {
    this.consecutiveFailures += 1;
    if (this.stateValue === "half_open" || this.consecutiveFailures >= this.options.failureThreshold) {
      this.stateValue = "open";
      this.openedAtMs = this.now();
    }
  }
}
