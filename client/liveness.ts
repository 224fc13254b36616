/**
 * @module
 * Noticing a connection that died without a close: a NAT that forgot the flow, a sleeping laptop,
 * a proxy that black-holes packets. The OS may take minutes to give up on such a socket; the
 * heartbeat takes `heartbeatIntervalMs + heartbeatTimeoutMs` at most. While frames flow nothing
 * is sent; after `heartbeatIntervalMs` of silence the client pings, and if nothing at all arrives
 * within `heartbeatTimeoutMs` the connection counts as dropped.
 */

export interface LivenessOptions {
  /** Silence after which the client pings the server. 0 turns the heartbeat off. Default 25 000 ms. */
  heartbeatIntervalMs?: number;
  /** How long after a ping any frame must arrive before the connection counts as dropped. Default 10 000 ms. */
  heartbeatTimeoutMs?: number;
  /** An attempt that has not reached `connection_established` by then is abandoned and retried. Default 10 000 ms. */
  connectTimeoutMs?: number;
}

export const LIVENESS_DEFAULTS = { heartbeatIntervalMs: 25_000, heartbeatTimeoutMs: 10_000, connectTimeoutMs: 10_000 } as const;

export class Heartbeat {
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly ping: () => void,
    private readonly dead: () => void,
  ) {}

  /** A frame arrived: the connection is alive; the next ping is due after a silence. */
  beat(): void {
    this.stop();
    if (this.intervalMs > 0) this.idleTimer = setTimeout(() => this.check(), this.intervalMs);
  }

  /** Asks now (the page became visible, the network came back): a frame must arrive within the timeout. */
  check(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.deadlineTimer !== undefined) return;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.dead();
    }, this.timeoutMs);
    this.ping();
  }

  stop(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.idleTimer = undefined;
    this.deadlineTimer = undefined;
  }
}

/**
 * The browser's hints that a connection is worth checking or retrying: the network went or came
 * back, the page became visible again (a laptop woke up). In Node there are none and this does nothing.
 * Returns the function that stops listening.
 */
export function watchPlatform(handlers: { online(): void; offline(): void; visible(): void }): () => void {
  // Typed by shape: the SDK also compiles where the DOM's types are not the global ones (Workers, Node).
  const platform = globalThis as PlatformGlobals;
  if (!platform.addEventListener || !platform.removeEventListener) return () => undefined;
  const document = platform.document;
  const onOnline = () => handlers.online();
  const onOffline = () => handlers.offline();
  const onVisibility = () => {
    if (document?.visibilityState === "visible") handlers.visible();
  };
  platform.addEventListener("online", onOnline);
  platform.addEventListener("offline", onOffline);
  document?.addEventListener("visibilitychange", onVisibility);
  return () => {
    platform.removeEventListener?.("online", onOnline);
    platform.removeEventListener?.("offline", onOffline);
    document?.removeEventListener("visibilitychange", onVisibility);
  };
}

interface Listenable {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

interface PlatformGlobals {
  addEventListener?: Listenable["addEventListener"];
  removeEventListener?: Listenable["removeEventListener"];
  document?: Listenable & { visibilityState?: string };
}
