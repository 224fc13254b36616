/**
 * @module
 * What one login session may start, across all its sockets (DESIGN §6, Abuse limits): at most
 * `maxRuns` messages per window. A per-socket limit alone lets ten sockets send ten times as much,
 * and each message starts an agent run — with a real model behind it, real spend. Counted in the
 * object's memory: the object is the session's one place, and it hibernates only when idle, by
 * which time a window has run out.
 */
export class RunBudget {
  private windowStartMs = 0;
  private runs = 0;

  constructor(private readonly limits: { maxRuns: number; windowMs: number }) {}

  /** Takes one run from the budget; false when the window's runs are spent. */
  take(nowMs: number): boolean {
    if (nowMs - this.windowStartMs >= this.limits.windowMs) {
      this.windowStartMs = nowMs;
      this.runs = 0;
    }
    if (this.runs >= this.limits.maxRuns) return false;
    this.runs += 1;
    return true;
  }
}
