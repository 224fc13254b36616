/**
 * @module
 * What `connect` takes, with every default: the documentation a caller's editor shows.
 */
import type { ServerFrame } from "@tether/protocol";
import type { LivenessOptions } from "./liveness.js";

export type ConnectionState = "connecting" | "open" | "refreshing" | "reconnecting" | "closed" | "signed_out";

export interface StateDetail {
  code?: number;
  reason?: string;
  resumed?: boolean;
}

export interface TokenRequest {
  /** `connect`: any valid token; `expiring`/`expired`: a newer one than `current`. */
  reason: "connect" | "expiring" | "expired";
  current: string | null;
}

export interface ConnectOptions extends LivenessOptions {
  /** The `/ws` URL, `ws(s)://host/ws`. */
  url: string;
  /** The app's token source, e.g. `(request) => auth.accessToken({ replacing: request.current })`. null = signed out. */
  getAccessToken(request: TokenRequest): Promise<string | null>;
  /** Every server frame, once, in order (sequenced events are deduplicated by `seq`). Or listen to one type with `on`. */
  onEvent?(frame: ServerFrame): void;
  /**
   * Each change of state, with the close `code` and `reason` that caused it; on `open` after a
   * reconnect, `resumed` says whether the missed events were replayed (false: `onResyncNeeded`).
   */
  onStateChange?(state: ConnectionState, detail: StateDetail): void;
  /** After a gap the resume log could not fill: refetch history over HTTP (`/api/threads`). */
  onResyncNeeded?(detail: { lastSeq: number; serverLastSeq: number }): void;
  /**
   * Reconnect delays: drawn at random from [0, min(maxDelayMs, initialDelayMs · 2^n)], n counting
   * the delayed attempts since a connection last stayed up 10 s — a connection that drops within
   * seconds does not start the count over. Defaults 500 and 30 000 ms.
   */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Resume a stream already seen up to this `seq` (for example one restored from storage). */
  resumeAfter?: number | null;
  /** For runtimes without a global WebSocket, or tests. */
  WebSocket?: new (url: string, protocols: string[]) => WebSocket;
}
