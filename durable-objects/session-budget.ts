/**
 * @module
 * What one login session may do per window, across all its sockets and across reconnects
 * (docs/protocol.md, "Session budgets"): frames of every
 * type (`WS_MAX_FRAMES_PER_WINDOW`), messages that start runs (`WS_MAX_RUNS_PER_WINDOW`), and
 * in-band token refreshes (`WS_MAX_REFRESHES_PER_MINUTE`, each an auth call). A per-socket count let
 * sixteen sockets send sixteen times as much and reset on every reconnect; these windows live in
 * the object's storage, so neither a new socket nor hibernation starts a window early.
 */

import type { BudgetLimits } from "../workers/shared/backend-config.js";
import { isStored, type FieldTypes } from "./stored-values.js";

export type BudgetName = keyof BudgetLimits;

/** Frames past the budget get `error rate_limited`; past twice it, the flooding socket is closed 4008. */
export type FrameVerdict = "allow" | "warn" | "close";

interface BudgetWindow {
  startMs: number;
  used: number;
}

const BUDGET_WINDOW: FieldTypes<BudgetWindow> = { startMs: "number", used: "number" };
const storageKey = (name: BudgetName) => `budget:${name}`;
/** How often the frame count is written (see count). */
const FRAMES_PER_WRITE = 16;

export class SessionBudget {
  /** Each window as this instance counts it: read from storage once, written back as count says. */
  private readonly windows = new Map<BudgetName, BudgetWindow>();

  constructor(
    private readonly storage: Pick<DurableObjectStorage, "kv">,
    private readonly limits: BudgetLimits,
  ) {}

  /** Counts one frame of any type. */
  frame(nowMs: number): FrameVerdict {
    const used = this.count("frames", nowMs);
    const max = this.limits.frames.max;
    return used > 2 * max ? "close" : used > max ? "warn" : "allow";
  }

  /** Takes one from `name`'s budget; false when this window's is spent. */
  take(name: Exclude<BudgetName, "frames">, nowMs: number): boolean {
    return this.count(name, nowMs) <= this.limits[name].max;
  }

  /** One more use in the current window (or the first of a new one); how many the window has seen. */
  private count(name: BudgetName, nowMs: number): number {
    let window = this.windows.get(name);
    if (!window) {
      const stored: unknown = this.storage.kv.get(storageKey(name));
      window = isStored(stored, BUDGET_WINDOW) ? { startMs: stored.startMs, used: stored.used } : { startMs: nowMs, used: 0 };
      this.windows.set(name, window);
    }
    if (nowMs - window.startMs >= this.limits[name].windowMs) {
      window.startMs = nowMs;
      window.used = 0;
    }
    window.used += 1;
    // Storage is what outlives hibernation, but a write per frame was half of a ping's CPU and held
    // every pong behind the output gate: frames are written at a window's first and every
    // FRAMES_PER_WRITE-th, so an eviction (after idling, never mid-flood) loses fewer uses than that.
    // Messages and refreshes, each far costlier than its write, are written every time.
    const every = name === "frames" ? FRAMES_PER_WRITE : 1;
    if (window.used === 1 || window.used % every === 0) this.storage.kv.put(storageKey(name), window);
    return window.used;
  }

  /** After the storage was deleted (session-retention.ts): the windows went with it. */
  forget(): void {
    this.windows.clear();
  }
}
