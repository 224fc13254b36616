/**
 * What the session object remembers about one socket, in its attachment so that it survives
 * hibernation (at most 16 KiB; this is a few hundred bytes).
 */
export interface SocketAttachment {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  tokenExpiresAtMs: number;
  /** Whether `token_expiring` was sent for the current token. */
  expiryWarned: boolean;
  connectedAtMs: number;
  rate: { windowStartMs: number; frames: number };
}

/** Per-socket flood control: past the limit, `error rate_limited`; at twice it, close 4008. */
export const RATE_WINDOW_MS = 10_000;
export const MAX_FRAMES_PER_WINDOW = 40;
export const CLOSE_AFTER_FRAMES_PER_WINDOW = 2 * MAX_FRAMES_PER_WINDOW;

export type RateVerdict = "allow" | "warn" | "close";

/** Counts one frame; returns the verdict and the new state (the caller stores it). */
export function countFrame(rate: SocketAttachment["rate"], nowMs: number): { verdict: RateVerdict; rate: SocketAttachment["rate"] } {
  const current = nowMs - rate.windowStartMs >= RATE_WINDOW_MS ? { windowStartMs: nowMs, frames: 0 } : rate;
  const next = { windowStartMs: current.windowStartMs, frames: current.frames + 1 };
  if (next.frames > CLOSE_AFTER_FRAMES_PER_WINDOW) return { verdict: "close", rate: next };
  if (next.frames > MAX_FRAMES_PER_WINDOW) return { verdict: "warn", rate: next };
  return { verdict: "allow", rate: next };
}
