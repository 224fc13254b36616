/**
 * @module
 * How many runs of one session go at once (`WS_MAX_CONCURRENT_RUNS`): a session with runs in many
 * threads would otherwise run them all together, each with a model behind it. A run past the cap
 * waits, queued, in the order it came; a slot is handed straight to the next waiter when it frees.
 */
export class RunSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Whether a slot is free now (nobody is waiting for one). */
  hasFree(): boolean {
    return this.active < this.max && this.waiting.length === 0;
  }

  /** Takes a slot if one is free now (nobody is waiting for one); false otherwise. */
  tryTake(): boolean {
    if (!this.hasFree()) return false;
    this.active += 1;
    return true;
  }

  /** Resolves once the caller holds a slot. */
  take(): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes to the next waiter as it is: `active` stays the same.
    if (next) next();
    else this.active -= 1;
  }
}
