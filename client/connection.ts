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
  MAX_MESSAGE_CONTENT_CHARS,
  PROTOCOL,
  type ServerFrame,
  type ServerFrameType,
} from "../workers/shared/protocol.js";
import { Outbox, type RequestFrameType, type RequestPayloads } from "./outbox.js";

export type ConnectionState = "connecting" | "open" | "refreshing" | "reconnecting" | "closed" | "signed_out";

export interface TokenRequest {
  /** `connect`: any valid token; `expiring`/`expired`: a newer one than `current`. */
  reason: "connect" | "expiring" | "expired";
  current: string | null;
}

export interface ConnectOptions {
  /** The `/ws` URL, `ws(s)://host/ws`. */
  url: string;
  /** The app's token source, e.g. `(request) => auth.accessToken({ replacing: request.current })`. null = signed out. */
  getAccessToken(request: TokenRequest): Promise<string | null>;
  /** Every server frame, once, in order (sequenced events are deduplicated by `seq`). */
  onEvent?(frame: ServerFrame): void;
  onStateChange?(state: ConnectionState, detail: { code?: number; reason?: string }): void;
  /** After a gap the resume log could not fill: refetch history over HTTP (`/api/threads`). */
  onResyncNeeded?(detail: { lastSeq: number; serverLastSeq: number }): void;
  /** Reconnect delays: full jitter over min(maxDelayMs, initialDelayMs · 2^attempt). */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Resume a stream already seen up to this `seq` (for example one restored from storage). */
  resumeAfter?: number | null;
  /** For runtimes without a global WebSocket, or tests. */
  WebSocket?: new (url: string, protocols: string[]) => WebSocket;
}

/** Why a connection attempt failed; only `retry` is worth another attempt. */
class AttemptFailed extends Error {
  constructor(
    readonly outcome: "retry" | "signed_out" | "closed",
    readonly code?: number,
    readonly reason?: string,
  ) {
    super(outcome);
  }
}

const SIGNED_OUT_CODES = new Set<number>([CLOSE_CODES.session_revoked, CLOSE_CODES.unauthorized]);

function readReason(reason: string): string | undefined {
  try {
    const parsed = JSON.parse(reason) as { code?: unknown };
    return typeof parsed.code === "string" ? parsed.code : reason || undefined;
  } catch {
    return reason || undefined;
  }
}

export class TetherConnection {
  private currentState: ConnectionState = "connecting";
  private socket: WebSocket | null = null;
  private token: string | null = null;
  private seq: number | null;
  private expiresAt: Date | null = null;
  /** While a resume replays, new frames wait until the stream reaches this `seq`. */
  private replayUntil: number | null = null;
  private stopped = false;
  private refreshId: string | null = null;
  private nextTokenReason: TokenRequest["reason"] = "connect";
  private readonly outbox = new Outbox();
  private readonly WebSocketClass: new (url: string, protocols: string[]) => WebSocket;

  constructor(private readonly options: ConnectOptions) {
    this.seq = options.resumeAfter ?? null;
    const platform = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocket }).WebSocket;
    const WebSocketClass = options.WebSocket ?? platform;
    if (!WebSocketClass) throw new Error("No WebSocket in this runtime: pass one as options.WebSocket.");
    this.WebSocketClass = WebSocketClass;
    void this.reconnect("connecting", false);
  }

  get state(): ConnectionState {
    return this.currentState;
  }
  /** The last sequenced event delivered; what a reconnect resumes after. */
  get lastSeq(): number | null {
    return this.seq;
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
      this.socket?.send(JSON.stringify(message));
      this.outbox.sent(id);
    }
    return id;
  }

  /** A request answered by one reply frame (thread_created, threads_list, thread_history, pong). */
  request<T extends RequestFrameType>(type: T, payload: RequestPayloads[T]): Promise<ServerFrame> {
    const { frame, reply } = this.outbox.addRequest(type, payload);
    if (this.canSend()) {
      this.socket?.send(JSON.stringify(frame));
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
    this.socket?.send(JSON.stringify({ type: "cancel_run", id: crypto.randomUUID(), payload: { run_id: runId } }));
    return true;
  }

  /** Closes for good (the app is done); reconnection stops. */
  close(): void {
    this.finish("closed", {});
  }

  private setState(state: ConnectionState, detail: { code?: number; reason?: string } = {}): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.options.onStateChange?.(state, detail);
  }

  private finish(state: "closed" | "signed_out", detail: { code?: number; reason?: string }): void {
    if (this.stopped) return;
    this.stopped = true;
    this.socket?.close(1000, state);
    this.socket = null;
    this.outbox.abandon(state === "closed" ? "The connection was closed." : "The session has ended; sign in again.");
    this.setState(state, detail);
  }

  private canSend(): boolean {
    return (
      this.socket?.readyState === 1 && this.replayUntil === null && (this.currentState === "open" || this.currentState === "refreshing")
    );
  }

  /** Opens a new socket, retrying with backoff until one is established or the session is over. */
  private async reconnect(
    state: "connecting" | "reconnecting",
    delayFirstAttempt: boolean,
    detail: { code?: number; reason?: string } = {},
  ) {
    this.socket = null;
    this.replayUntil = null;
    this.refreshId = null;
    this.outbox.disconnected();
    this.setState(state, detail);
    try {
      await backOff(() => this.attempt(), {
        jitter: "full",
        startingDelay: this.options.backoff?.initialDelayMs ?? 500,
        maxDelay: this.options.backoff?.maxDelayMs ?? 30_000,
        timeMultiple: 2,
        numOfAttempts: Number.POSITIVE_INFINITY,
        delayFirstAttempt,
        retry: (error: unknown) => !this.stopped && error instanceof AttemptFailed && error.outcome === "retry",
      });
    } catch (error) {
      if (error instanceof AttemptFailed && error.outcome !== "retry")
        this.finish(error.outcome, { code: error.code, reason: error.reason });
      else if (!this.stopped) this.finish("closed", { reason: error instanceof Error ? error.message : "connection failed" });
    }
  }

  /** One connection attempt: resolves once the server says `connection_established`. */
  private async attempt(): Promise<void> {
    if (this.stopped) throw new AttemptFailed("closed");
    let token: string | null;
    try {
      token = await this.options.getAccessToken({ reason: this.nextTokenReason, current: this.token });
    } catch {
      throw new AttemptFailed("retry");
    }
    if (this.stopped) throw new AttemptFailed("closed");
    if (token === null) throw new AttemptFailed("signed_out", undefined, "no_token");
    this.token = token;
    const url = new URL(this.options.url);
    if (this.seq !== null) url.searchParams.set("resume_after", String(this.seq));
    const socket = new this.WebSocketClass(url.toString(), [PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]);
    this.socket = socket;

    await new Promise<void>((resolve, reject) => {
      let established = false;
      socket.addEventListener("message", (event) => {
        const frame = this.parse(event.data);
        if (!frame) return;
        if (!established && frame.type === "connection_established") {
          established = true;
          this.welcome(frame as ServerFrame<"connection_established">);
          resolve();
        }
        this.receive(frame);
      });
      socket.addEventListener("close", (event) => {
        if (this.socket === socket) this.socket = null;
        if (!established) return reject(this.failure(event.code, event.reason));
        this.closedAfterOpen(event.code, event.reason);
      });
    });
  }

  private failure(code: number, rawReason: string): AttemptFailed {
    const reason = readReason(rawReason);
    if (SIGNED_OUT_CODES.has(code)) return new AttemptFailed("signed_out", code, reason);
    if (code === CLOSE_CODES.frame_too_large) return new AttemptFailed("closed", code, reason);
    this.nextTokenReason = code === CLOSE_CODES.token_expired ? "expired" : "connect";
    return new AttemptFailed("retry", code, reason);
  }

  /** An established socket closed: decide between signing out, stopping, and reconnecting. */
  private closedAfterOpen(code: number, rawReason: string): void {
    if (this.stopped) return;
    const failure = this.failure(code, rawReason);
    const detail = { code, reason: failure.reason };
    if (failure.outcome !== "retry") return this.finish(failure.outcome, detail);
    // 4001: the token ran out; a fresh one can reconnect at once. Anything else (a drop, 1011,
    // 1012 on a deploy, 4008) waits a jittered delay first, so a fleet does not return in lockstep.
    void this.reconnect("reconnecting", code !== CLOSE_CODES.token_expired, detail);
  }

  private welcome(frame: ServerFrame<"connection_established">): void {
    const { resumed_from: resumedFrom, last_seq: serverLastSeq, token_expires_at: expiresAt } = frame.payload;
    this.expiresAt = new Date(expiresAt);
    this.nextTokenReason = "connect";
    if (this.seq === null) this.seq = serverLastSeq;
    else if (resumedFrom === null) {
      this.options.onResyncNeeded?.({ lastSeq: this.seq, serverLastSeq });
      this.seq = serverLastSeq;
    } else if (serverLastSeq > this.seq) this.replayUntil = serverLastSeq;
    this.setState("open");
    // One frame from us on every new socket: workerd completes a close the server starts (a
    // revocation, an expiry) only ~10 s late on a socket the client never sent on (README, known
    // issues). The pong is an ordinary event.
    this.socket?.send(JSON.stringify({ type: "ping", id: crypto.randomUUID(), payload: {} }));
    this.flushIfReplayed();
  }

  private flushIfReplayed(): void {
    if (this.replayUntil !== null && (this.seq ?? 0) >= this.replayUntil) this.replayUntil = null;
    if (this.canSend()) for (const frame of this.outbox.toSend()) this.socket?.send(JSON.stringify(frame));
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
      return this.finish("signed_out", { code: CLOSE_CODES.session_revoked, reason: "session_revoked" });
    }
    if (frame.seq !== undefined) {
      // Seen already (a replay overlapping what arrived live): drop it, once and for all.
      if (this.seq !== null && frame.seq <= this.seq) return;
      this.seq = frame.seq;
    }
    this.outbox.settle(frame);
    if (frame.type === "token_expiring") void this.refreshInBand();
    if (frame.type === "auth_refreshed") this.expiresAt = new Date((frame as ServerFrame<"auth_refreshed">).payload.token_expires_at);
    if (this.refreshId !== null && frame.reply_to === this.refreshId) {
      // Refreshed, or refused: either way the socket goes on (a refused one closes 4001 at expiry).
      this.refreshId = null;
      if (this.currentState === "refreshing") this.setState("open");
    }
    this.options.onEvent?.(frame);
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
    this.socket?.send(JSON.stringify({ type: "auth_refresh", id: this.refreshId, payload: { token } }));
  }
}

export function connect(options: ConnectOptions): TetherConnection {
  return new TetherConnection(options);
}

export type { ServerFrame, ServerFrameType };
