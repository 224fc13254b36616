/**
 * @module
 * The one way tests wait (in workerd and in Node alike): for a condition over what has arrived
 * so far — frames, a close, SDK states — re-checked whenever something arrives, and given up
 * after a deadline with a message that says what was awaited and what came instead. Events, never
 * sleeps; and never a hang.
 */
export class Waiter {
  private readonly waiters: Array<() => void> = [];

  /** `seen` says what has arrived so far, for the message of a timeout. */
  constructor(
    private readonly timeoutMs: number,
    private readonly seen: () => string,
  ) {}

  /** Call whenever something has arrived: every pending `until` checks again. */
  wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /**
   * Resolves with the first value of `check` that is neither undefined nor false. `check` may
   * throw to give up early (a socket closed before the frame came); past the deadline, rejects.
   */
  async until<T>(what: string, check: () => T | undefined | false): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${this.timeoutMs} ms waiting for ${what}; got ${this.seen()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
