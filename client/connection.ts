/**
 * @module
 * A session's live connection to `/ws`: authenticates with the subprotocol pair, reconnects with
 * exponential backoff and full jitter, resumes after the last `seq` it saw so no event is missed
 * or shown twice, refreshes the token in-band when warned, and stops — never loops — when the
 * session is over. The socket is the platform's WebSocket; this file is the protocol around it.
 */
import { backOff } from "exponential-backoff";
import {
  BEARER_PROTOCOL_PREFIX,
  CLOSE_CODES,
  isFrameOf,
  MAX_MESSAGE_CONTENT_CHARS,
  PROTOCOL,
  type ClientFrame,
  type ServerFrame,
  type ServerFrameType,
} from "@tether/protocol";
import { AttemptFailed, closeOutcome } from "./close-policy.js";
import { Heartbeat, LIVENESS_DEFAULTS, watchPlatform } from "./liveness.js";
import type { ConnectionState, ConnectOptions, StateDetail, TokenRequest } from "./options.js";
import { Outbox, type OutgoingFrame, type ReplyFrame, type RequestFrameType, type RequestPayloads } from "./outbox.js";
import { StreamCursor } from "./stream-cursor.js";

export class TetherConnection {
  private currentState: ConnectionState = "connecting";
  private socket: WebSocket | null = null;
  private token: string | null = null;
  private readonly cursor: StreamCursor;
  private expiresAt: Date | null = null;
  private stopped = false;
  private refreshId: string | null = null;
  private nextTokenReason: TokenRequest["reason"] = "connect";
  private readonly outbox = new Outbox();
  private readonly WebSocketClass: new (url: string, protocols: string[]) => WebSocket;
  private readonly listeners = new Set<(frame: ServerFrame) => void>();
  private readonly heartbeat: Heartbeat;
  private readonly connectTimeoutMs: number;
  private readonly unwatchPlatform: () => void;
  /** Sockets given up on (dead, timed out): whatever they still deliver is ignored. */
  private readonly abandoned = new WeakSet<WebSocket>();
  /** Which reconnect loop is current: a newer one (the network came back) retires the older. */
  private generation = 0;

  constructor(private readonly options: ConnectOptions) {
    this.cursor = new StreamCursor(options.resumeAfter ?? null);
    const platform = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocket }).WebSocket;
    const WebSocketClass = options.WebSocket ?? platform;
    if (!WebSocketClass) throw new Error("No WebSocket in this runtime: pass one as options.WebSocket.");
    this.WebSocketClass = WebSocketClass;
    this.connectTimeoutMs = options.connectTimeoutMs ?? LIVENESS_DEFAULTS.connectTimeoutMs;
    this.heartbeat = new Heartbeat(
      options.heartbeatIntervalMs ?? LIVENESS_DEFAULTS.heartbeatIntervalMs,
      options.heartbeatTimeoutMs ?? LIVENESS_DEFAULTS.heartbeatTimeoutMs,
      () => this.sendFrame({ type: "ping", id: crypto.randomUUID(), payload: {} }),
      () => this.dropped("heartbeat_timeout"),
    );
    this.unwatchPlatform = watchPlatform({
      online: () => (this.state === "reconnecting" ? this.retryNow() : this.heartbeat.check()),
      offline: () => this.heartbeat.check(),
      visible: () => (this.state === "reconnecting" ? this.retryNow() : this.heartbeat.check()),
    });
    void this.reconnect("connecting", false);
  }

  get state(): ConnectionState {
    return this.currentState;
  }
  /** The last sequenced event delivered; what a reconnect resumes after. */
  get lastSeq(): number | null {
    return this.cursor.lastSeq;
  }
  get tokenExpiresAt(): Date | null {
    return this.expiresAt;
  }
  /** User messages not yet acknowledged by the server (queued or in flight). */
  get unacknowledged(): number {
    return this.outbox.unacknowledged;
  }

  /** Sends a user message now or, while disconnected, once reconnected. Returns its id. */
  send(content: string, options: { threadId?: string; id?: string } = {}): string {
    if (content.length === 0 || content.length > MAX_MESSAGE_CONTENT_CHARS) {
      throw new RangeError(`A message is 1 to ${MAX_MESSAGE_CONTENT_CHARS} characters.`);
    }
    const id = options.id ?? crypto.randomUUID();
    const payload = options.threadId === undefined ? { content } : { content, thread_id: options.threadId };
    const message = this.outbox.addMessage({ type: "user_message", id, payload });
    if (this.canSend()) {
      this.sendFrame(message);
      this.outbox.sent(id);
    }
    return id;
  }

  /**
   * A request answered by one reply frame: `create_thread` → `thread_created`, `list_threads` →
   * `threads_list`, `get_thread_history` → `thread_history`, `ping` → `pong`. The promise resolves
   * with that frame, typed; an `error` answer rejects with `RequestFailed`.
   */
  request<T extends RequestFrameType>(type: T, payload: RequestPayloads[T]): Promise<ReplyFrame<T>> {
    const frame = { type, id: crypto.randomUUID(), payload };
    const reply = this.outbox.addRequest(frame);
    if (this.canSend()) {
      this.sendFrame(frame);
      this.outbox.sent(frame.id);
    }
    return reply;
  }

  /**
   * Asks the server to stop a run (its id is in `agent_started`). The run then ends with
   * `agent_completed` whose `status` is "cancelled"; a run that has ended already is answered
   * with `error run_not_found`. Returns false while not connected: a cancel is not queued, since
   * by the time it could be sent the run may be long over.
   */
  cancel(runId: string): boolean {
    if (!this.canSend()) return false;
    this.sendFrame({ type: "cancel_run", id: crypto.randomUUID(), payload: { run_id: runId } });
    return true;
  }

  /** Calls `listener` with every frame of `type`, typed; returns the function that stops it. */
  on<T extends ServerFrameType>(type: T, listener: (frame: Extract<ServerFrame, { type: T }>) => void): () => void {
    const filtered = (frame: ServerFrame) => {
      if (isFrameOf(frame, type)) listener(frame);
    };
    this.listeners.add(filtered);
    return () => this.listeners.delete(filtered);
  }

  /** Closes for good (the app is done); reconnection stops. */
  close(): void {
    this.finish("closed", {});
  }

  private sendFrame(frame: ClientFrame | OutgoingFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private setState(state: ConnectionState, detail: StateDetail = {}): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.options.onStateChange?.(state, detail);
  }

  private finish(state: "closed" | "signed_out", detail: { code?: number; reason?: string }): void {
    if (this.stopped) return;
    this.stopped = true;
    this.heartbeat.stop();
    this.unwatchPlatform();
    this.socket?.close(1000, state);
    this.socket = null;
    this.outbox.abandon(state === "closed" ? "The connection was closed." : "The session has ended; sign in again.");
    this.setState(state, detail);
  }

  private canSend(): boolean {
    return this.socket?.readyState === 1 && !this.cursor.replaying && (this.currentState === "open" || this.currentState === "refreshing");
  }

  /** Opens a new socket, retrying with backoff until one is established or the session is over. */
  private async reconnect(
    state: "connecting" | "reconnecting",
    delayFirstAttempt: boolean,
    detail: { code?: number; reason?: string } = {},
  ) {
    const generation = ++this.generation;
    this.heartbeat.stop();
    this.socket = null;
    this.cursor.reset();
    this.refreshId = null;
    this.outbox.disconnected();
    this.setState(state, detail);
    try {
      await backOff(() => this.attempt(generation), {
        jitter: "full",
        startingDelay: this.options.backoff?.initialDelayMs ?? 500,
        maxDelay: this.options.backoff?.maxDelayMs ?? 30_000,
        timeMultiple: 2,
        numOfAttempts: Number.POSITIVE_INFINITY,
        delayFirstAttempt,
        retry: (error: unknown) => !this.stopped && error instanceof AttemptFailed && error.outcome === "retry",
      });
    } catch (error) {
      if (error instanceof AttemptFailed && error.outcome === "superseded") return;
      if (error instanceof AttemptFailed && (error.outcome === "signed_out" || error.outcome === "closed")) {
        this.finish(error.outcome, { code: error.code, reason: error.reason });
      } else if (!this.stopped) this.finish("closed", { reason: error instanceof Error ? error.message : "connection failed" });
    }
  }

  /** Reconnecting and a hint says the network is back: try at once instead of after the delay. */
  private retryNow(): void {
    if (!this.stopped) void this.reconnect("reconnecting", false);
  }

  /** The socket went silent (or never answered): give up on it and reconnect; it can no longer close cleanly. */
  private dropped(reason: "heartbeat_timeout"): void {
    const socket = this.socket;
    if (this.stopped || !socket) return;
    this.abandon(socket);
    void this.reconnect("reconnecting", false, { reason });
  }

  private abandon(socket: WebSocket): void {
    this.abandoned.add(socket);
    if (this.socket === socket) this.socket = null;
    try {
      socket.close(4000, "abandoned");
    } catch {
      // Closing already.
    }
  }

  /** One connection attempt: resolves once the server says `connection_established`. */
  private async attempt(generation: number): Promise<void> {
    const current = () => !this.stopped && generation === this.generation;
    if (!current()) throw new AttemptFailed(this.stopped ? "closed" : "superseded");
    let token: string | null;
    try {
      // `current` only when it must be replaced: a reconnect after a drop reuses a token still valid
      // (asking for a new one on every attempt would spend refreshes and meet their rate limit).
      const reason = this.nextTokenReason;
      token = await this.options.getAccessToken({ reason, current: reason === "connect" ? null : this.token });
    } catch {
      throw new AttemptFailed("retry");
    }
    if (!current()) throw new AttemptFailed(this.stopped ? "closed" : "superseded");
    if (token === null) throw new AttemptFailed("signed_out", undefined, "no_token");
    this.token = token;
    const url = new URL(this.options.url);
    if (this.cursor.lastSeq !== null) url.searchParams.set("resume_after", String(this.cursor.lastSeq));
    const socket = new this.WebSocketClass(url.toString(), [PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]);
    this.socket = socket;

    await new Promise<void>((resolve, reject) => {
      let established = false;
      const timeout = setTimeout(() => {
        this.abandon(socket);
        reject(new AttemptFailed(current() ? "retry" : "superseded", undefined, "connect_timeout"));
      }, this.connectTimeoutMs);
      socket.addEventListener("message", (event) => {
        if (this.abandoned.has(socket)) return;
        const frame = this.parse(event.data);
        if (!frame) return;
        this.heartbeat.beat();
        if (!established && frame.type === "connection_established") {
          established = true;
          clearTimeout(timeout);
          this.welcome(frame);
          resolve();
        }
        this.receive(frame);
      });
      socket.addEventListener("close", (event) => {
        if (this.abandoned.has(socket)) return;
        clearTimeout(timeout);
        if (this.socket === socket) this.socket = null;
        if (!established) return reject(current() ? this.failure(event.code, event.reason) : new AttemptFailed("superseded"));
        this.closedAfterOpen(event.code, event.reason);
      });
    });
  }

  private failure(code: number, rawReason: string): AttemptFailed {
    const { failure, tokenExpired } = closeOutcome(code, rawReason);
    if (failure.outcome === "retry") this.nextTokenReason = tokenExpired ? "expired" : "connect";
    return failure;
  }

  /** An established socket closed: decide between signing out, stopping, and reconnecting. */
  private closedAfterOpen(code: number, rawReason: string): void {
    if (this.stopped) return;
    const failure = this.failure(code, rawReason);
    const detail = { code, reason: failure.reason };
    if (failure.outcome === "signed_out" || failure.outcome === "closed") return this.finish(failure.outcome, detail);
    // 4001: the token ran out; a fresh one can reconnect at once. Anything else (a drop, 1011,
    // 1012 on a deploy, 4008) waits a jittered delay first, so a fleet does not return in lockstep.
    void this.reconnect("reconnecting", code !== CLOSE_CODES.token_expired, detail);
  }

  private welcome(frame: ServerFrame<"connection_established">): void {
    this.expiresAt = new Date(frame.payload.token_expires_at);
    this.nextTokenReason = "connect";
    const reconnected = this.cursor.lastSeq !== null;
    const lost = this.cursor.welcome(frame.payload);
    if (lost) this.options.onResyncNeeded?.(lost);
    this.setState("open", reconnected ? { resumed: lost === null } : {});
    // One frame from us on every new socket: workerd completes a close the server starts (a
    // revocation, an expiry) only ~10 s late on a socket the client never sent on (README, known
    // issues). The pong is an ordinary event.
    this.sendFrame({ type: "ping", id: crypto.randomUUID(), payload: {} });
    this.flushIfReplayed();
  }

  private flushIfReplayed(): void {
    if (this.canSend()) for (const frame of this.outbox.toSend()) this.sendFrame(frame);
  }

  private parse(data: unknown): ServerFrame | null {
    if (typeof data !== "string") return null;
    try {
      const frame = JSON.parse(data) as ServerFrame;
      return typeof frame === "object" && frame !== null && typeof frame.type === "string" ? frame : null;
    } catch {
      return null;
    }
  }

  private receive(frame: ServerFrame): void {
    if (frame.type === "session_revoked") {
      // The close (4003) follows, but may reach us late (README, known issues): act on the frame.
      this.options.onEvent?.(frame);
      for (const listener of this.listeners) listener(frame);
      return this.finish("signed_out", { code: CLOSE_CODES.session_revoked, reason: "session_revoked" });
    }
    if (!this.cursor.accept(frame)) return;
    this.outbox.settle(frame);
    if (frame.type === "token_expiring") void this.refreshInBand();
    if (frame.type === "auth_refreshed") this.expiresAt = new Date(frame.payload.token_expires_at);
    if (this.refreshId !== null && frame.reply_to === this.refreshId) {
      // Refreshed, or refused: either way the socket goes on (a refused one closes 4001 at expiry).
      this.refreshId = null;
      if (this.currentState === "refreshing") this.setState("open");
    }
    this.options.onEvent?.(frame);
    for (const listener of this.listeners) listener(frame);
    this.flushIfReplayed();
  }

  /** `token_expiring`: get a newer token from the app and hand it to the server on this socket. */
  private async refreshInBand(): Promise<void> {
    if (this.currentState !== "open") return;
    this.setState("refreshing");
    let token: string | null;
    try {
      token = await this.options.getAccessToken({ reason: "expiring", current: this.token });
    } catch {
      // Auth out of reach: keep the socket; at expiry it closes 4001 and the reconnect tries again.
      if (this.state === "refreshing") this.setState("open");
      return;
    }
    if (this.stopped || this.state !== "refreshing") return;
    if (token === null) return this.finish("signed_out", { reason: "no_token" });
    if (token === this.token) return this.setState("open");
    this.token = token;
    this.refreshId = crypto.randomUUID();
    this.sendFrame({ type: "auth_refresh", id: this.refreshId, payload: { token } });
  }
}

export function connect(options: ConnectOptions): TetherConnection {
  return new TetherConnection(options);
}

export type { ConnectionState, ConnectOptions, ServerFrame, ServerFrameType, StateDetail, TokenRequest };
