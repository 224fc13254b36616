/**
 * @module
 * What a close code means for a connection (docs/protocol.md, Close codes): sign out, stop, or
 * retry — and whether the retry needs a newer token.
 */
import { CLOSE_CODES } from "@tether/protocol";

/** Why a connection attempt failed; only `retry` is worth another attempt. */
export class AttemptFailed extends Error {
  constructor(
    /** `superseded`: a newer attempt took over (the network came back), or the connection closed; this one just ends. */
    readonly outcome: "retry" | "signed_out" | "closed" | "superseded",
    readonly code?: number,
    readonly reason?: string,
  ) {
    super(outcome);
  }

  /** Closed 4001: the next attempt needs a newer token than the one refused. */
  get tokenExpired(): boolean {
    return this.code === CLOSE_CODES.token_expired;
  }
}

const SIGNED_OUT_CODES = new Set<number>([CLOSE_CODES.session_revoked, CLOSE_CODES.unauthorized]);

/** The server's close reason is JSON `{code, message}`; anything else is kept as it came. */
function readReason(reason: string): string | undefined {
  try {
    const parsed = JSON.parse(reason) as { code?: unknown };
    return typeof parsed.code === "string" ? parsed.code : reason || undefined;
  } catch {
    return reason || undefined;
  }
}

export function closeOutcome(code: number, rawReason: string): AttemptFailed {
  const outcome = SIGNED_OUT_CODES.has(code) ? "signed_out" : code === CLOSE_CODES.frame_too_large ? "closed" : "retry";
  return new AttemptFailed(outcome, code, readReason(rawReason));
}
