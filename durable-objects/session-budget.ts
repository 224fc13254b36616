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

export class SessionBudget {
  /** Each window as last written: storage is the truth, this saves a read per frame. */
  private readonly windows = new Map<BudgetName, BudgetWindow>();

  constructor(
    private readonly storage: Pick<DurableObjectStorage, "kv" | "put">,
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
    const key = `budget:${name}`;
    const stored = this.windows.get(name) ?? this.storage.kv.get(key);
    const current =
      isStored(stored, BUDGET_WINDOW) && nowMs - stored.startMs < this.limits[name].windowMs ? stored : { startMs: nowMs, used: 0 };
    const next = { startMs: current.startMs, used: current.used + 1 };
    // Written on every frame, so it must not hold the frame's answer: an ordinary write keeps every
    // outgoing message (a `pong`) behind the output gate until it is on disk. A count lost with a
    // crash of the object lets a few frames more through in that window; nothing else depends on it.
    this.storage.put(key, next, { allowUnconfirmed: true }).catch(() => undefined);
    this.windows.set(name, next);
    return next.used;
  }

  /** After the storage was deleted (session-retention.ts): the windows went with it. */
  forget(): void {
    this.windows.clear();
  }
}
