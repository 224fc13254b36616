/**
 * @module
 * One socket of a connection, from `new WebSocket` to its close: it settles once the server says
 * `connection_established` (or fails with the reason to retry or stop), hands on the frames and
 * the close that follow — and once retired (superseded by a newer attempt, timed out, abandoned
 * as dead, or the connection closed) it is closed and says nothing more. A retired attempt's late
 * welcome, frames or close never reach the connection: that is what keeps one socket per
 * connection even when the page's hints start a new attempt while an older one is still opening.
 */
import { BEARER_PROTOCOL_PREFIX, PROTOCOL, type ServerFrame } from "@tether/protocol";
import { AttemptFailed, closeOutcome } from "./close-policy.js";
import { LIVENESS_DEFAULTS } from "./liveness.js";

/** What the connection hears from its current attempt; nothing is called once the attempt is retired. */
export interface AttemptHandlers {
  /** The server's welcome: from now on this socket is the connection's. */
  established(frame: ServerFrame<"connection_established">): void;
  /** Every later frame (the welcome's own `connection_established` is not repeated). */
  frame(frame: ServerFrame): void;
  /** The socket closed after its welcome. */
  closed(code: number, reason: string): void;
}

/** The platform's WebSocket constructor, or the one passed as `ConnectOptions.WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocket;

/**
 * What opens a connection's attempts: the app's WebSocket (else the runtime's — browsers, Node
 * 22+, Workers), authenticated by the subprotocol pair, since a browser cannot set a header on
 * its upgrade; each attempt reports to `handlers` until it is retired.
 */
export function socketOpener(
  options: { WebSocket?: WebSocketConstructor; connectTimeoutMs?: number },
  handlers: AttemptHandlers,
): (url: string, token: string) => SocketAttempt {
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass) throw new Error("No WebSocket in this runtime: pass one as options.WebSocket.");
  const connectTimeoutMs = options.connectTimeoutMs ?? LIVENESS_DEFAULTS.connectTimeoutMs;
  return (url, token) =>
    new SocketAttempt(new WebSocketClass(url, [PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]), connectTimeoutMs, handlers);
}

const OPEN = 1;

export class SocketAttempt {
  private retired = false;
  private welcomed = false;
  private readonly timeout: ReturnType<typeof setTimeout>;
  private resolveSettled!: () => void;
  private rejectSettled!: (failure: AttemptFailed) => void;
  /** Resolves at the welcome; rejects with `AttemptFailed` when the socket closes, times out or is retired before it. */
  readonly settled = new Promise<void>((resolve, reject) => {
    this.resolveSettled = resolve;
    this.rejectSettled = reject;
  });

  constructor(
    private readonly socket: WebSocket,
    connectTimeoutMs: number,
    private readonly handlers: AttemptHandlers,
  ) {
    // Whoever awaits `settled` learns of a failure; an attempt nobody awaits any more must not
    // surface it as an unhandled rejection.
    this.settled.catch(() => undefined);
    this.timeout = setTimeout(() => this.retire(4000, "connect_timeout", "retry"), connectTimeoutMs);
    socket.addEventListener("message", (event) => this.received(event.data));
    socket.addEventListener("close", (event) => this.ended(event.code, event.reason));
  }

  /** Welcomed, not retired, and the socket can carry a frame now. */
  get open(): boolean {
    return !this.retired && this.welcomed && this.socket.readyState === OPEN;
  }

  send(frame: unknown): void {
    if (!this.retired && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  /**
   * Closes the socket and silences it. Before the welcome, `settled` rejects: `superseded` (the
   * caller has moved on) unless a connect timeout makes it `retry`.
   */
  retire(code: number, reason: string, outcome: "superseded" | "retry" = "superseded"): void {
    if (this.retired) return;
    this.retired = true;
    clearTimeout(this.timeout);
    if (!this.welcomed) this.rejectSettled(new AttemptFailed(outcome, undefined, reason));
    try {
      this.socket.close(code, reason);
    } catch {
      // Closing already: nothing to do, and nothing of it is heard.
    }
  }

  private received(data: unknown): void {
    if (this.retired) return;
    const frame = parseFrame(data);
    if (!frame) return;
    if (this.welcomed) return this.handlers.frame(frame);
    if (frame.type !== "connection_established") return;
    this.welcomed = true;
    clearTimeout(this.timeout);
    this.handlers.established(frame);
    this.resolveSettled();
  }

  private ended(code: number, reason: string): void {
    if (this.retired) return;
    this.retired = true;
    clearTimeout(this.timeout);
    if (this.welcomed) this.handlers.closed(code, reason);
    else this.rejectSettled(closeOutcome(code, reason));
  }
}

function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  try {
    const frame = JSON.parse(data) as ServerFrame;
    return typeof frame === "object" && frame !== null && typeof frame.type === "string" ? frame : null;
  } catch {
    return null;
  }
}
