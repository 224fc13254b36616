/**
 * @module
 * A session's live connection to `/ws`: authenticates each socket with the access token, reconnects with
 * exponential backoff and full jitter (reconnect-loop.ts), resumes after the last `seq` it saw so
 * no event is missed or shown twice, refreshes the token in-band when warned, and stops — never
 * loops — when the session is over. It holds one socket at a time (socket-attempt.ts): a newer
 * attempt closes the older first, and a closed attempt's frames are never acted on.
 */
import {
  CLOSE_CODES,
  isFrameOf,
  MAX_APPROVAL_REASON_CHARS,
  MAX_MESSAGE_CONTENT_CHARS,
  type ClientFrame,
  type ServerFrame,
  type ServerFrameType,
} from "@tether/protocol";
import { AttemptFailed, closeOutcome } from "./close-policy.js";
import { ConnectionToken } from "./connection-token.js";
import { Heartbeat, LIVENESS_DEFAULTS, watchPlatform } from "./liveness.js";
import type { ConnectionState, ConnectOptions, StateDetail, TokenRequest } from "./options.js";
import { Outbox, type OutgoingFrame, type ReplyFrame, type RequestFrameType, type RequestPayloads } from "./outbox.js";
import { BACKOFF_DEFAULTS, ReconnectLoop } from "./reconnect-loop.js";
import { socketOpener, type SocketAttempt } from "./socket-attempt.js";
import { StreamCursor } from "./stream-cursor.js";

export class TetherConnection {
  private currentState: ConnectionState = "connecting";
  /** The one socket: opening, or welcomed. A new attempt retires it first. */
  private attempt: SocketAttempt | null = null;
  private readonly token: ConnectionToken;
  private readonly cursor: StreamCursor;
  private stopped = false;
  private readonly outbox = new Outbox();
  private readonly listeners = new Set<(frame: ServerFrame) => void>();
  private readonly heartbeat: Heartbeat;
  private readonly reconnects: ReconnectLoop;
  private readonly unwatchPlatform: () => void;
  private readonly openSocket: (url: string, token: string) => SocketAttempt;

  constructor(private readonly options: ConnectOptions) {
    this.cursor = new StreamCursor(options.resumeAfter ?? null);
    this.token = new ConnectionToken((request) => options.getAccessToken(request));
    this.openSocket = socketOpener(options, {
      established: (frame) => this.welcome(frame),
      frame: (frame) => this.receive(frame),
      closed: (code, reason) => this.closedAfterOpen(code, reason),
    });
    this.heartbeat = new Heartbeat(
      options.heartbeatIntervalMs ?? LIVENESS_DEFAULTS.heartbeatIntervalMs,
      options.heartbeatTimeoutMs ?? LIVENESS_DEFAULTS.heartbeatTimeoutMs,
      () => this.sendFrame({ type: "ping", id: crypto.randomUUID(), payload: {} }),
      () => this.dropped(),
    );
    this.reconnects = new ReconnectLoop({
      ...BACKOFF_DEFAULTS,
      ...options.backoff,
      attempt: (isCurrent) => this.open(isCurrent),
      supersede: () => this.retire(4000, "superseded"),
      gaveUp: (failure) => this.gaveUp(failure),
    });
    // A hint while connected asks the heartbeat whether the socket still works; while not, it
    // tries at once (debounced: `online` and `visibilitychange` often fire together on wake).
    const hint = () => (this.connected() ? this.heartbeat.check() : this.retryNow());
    const offline = () => (this.connected() ? this.heartbeat.check() : undefined);
    this.unwatchPlatform = watchPlatform({ online: hint, visible: hint, offline });
    this.reconnects.start(false);
  }

  get state(): ConnectionState {
    return this.currentState;
  }
  /** The last sequenced event delivered; what a reconnect resumes after. */
  get lastSeq(): number | null {
    return this.cursor.lastSeq;
  }
  get tokenExpiresAt(): Date | null {
    return this.token.expiresAt;
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
    this.sendNowIfConnected(this.outbox.addMessage({ type: "user_message", id, payload }));
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
    this.sendNowIfConnected(frame);
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

  /**
   * Answers a `tool_approval_requested` (its `approval_id`): the run goes on with the call made
   * (approved) or refused. Queued while reconnecting, like a message; the server's `ack` settles
   * it, and an answer too late (answered elsewhere, expired) gets `error approval_not_found`.
   * Returns the frame's id.
   */
  approve(approvalId: string, approved: boolean, reason?: string): string {
    if (reason !== undefined && reason.length > MAX_APPROVAL_REASON_CHARS) {
      throw new RangeError(`A reason is at most ${MAX_APPROVAL_REASON_CHARS} characters.`);
    }
    const payload = reason === undefined ? { approval_id: approvalId, approved } : { approval_id: approvalId, approved, reason };
    const id = crypto.randomUUID();
    this.sendNowIfConnected(this.outbox.addMessage({ type: "approve_tool", id, payload }));
    return id;
  }

  /** Calls `listener` with every frame of `type`, typed; returns the function that stops it. */
  on<T extends ServerFrameType>(type: T, listener: (frame: Extract<ServerFrame, { type: T }>) => void): () => void {
    const filtered = (frame: ServerFrame) => {
      if (isFrameOf(frame, type)) listener(frame);
    };
    this.listeners.add(filtered);
    return () => this.listeners.delete(filtered);
  }

  /**
   * While connecting or reconnecting: try now instead of after the backoff delay (a "reconnect
   * now" button; the SDK calls it itself when the network comes back or the page becomes
   * visible). Debounced: calls within a second of the last attempt's start open no second socket.
   * Does nothing while connected or once closed.
   */
  retryNow(): void {
    if (!this.stopped && !this.connected()) this.reconnects.retryNow();
  }

  /** Closes for good (the app is done); reconnection stops. */
  close(): void {
    this.finish("closed", {});
  }

  private connected(): boolean {
    return this.currentState === "open" || this.currentState === "refreshing";
  }

  private sendFrame(frame: ClientFrame | OutgoingFrame): void {
    this.attempt?.send(frame);
  }

  /** What the outbox holds goes out now if it can; otherwise it waits for the next welcome. */
  private sendNowIfConnected(frame: OutgoingFrame): void {
    if (!this.canSend()) return;
    this.sendFrame(frame);
    this.outbox.sent(frame.id);
  }

  private setState(state: ConnectionState, detail: StateDetail = {}): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.options.onStateChange?.(state, detail);
  }

  private finish(state: "closed" | "signed_out", detail: { code?: number; reason?: string }): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reconnects.stop();
    this.heartbeat.stop();
    this.unwatchPlatform();
    this.retire(1000, state);
    this.outbox.abandon(state === "closed" ? "The connection was closed." : "The session has ended; sign in again.");
    this.setState(state, detail);
  }

  private canSend(): boolean {
    return this.attempt?.open === true && !this.cursor.replaying && this.connected();
  }

  /** Closes the current socket, whatever it was doing; nothing it still delivers is heard. */
  private retire(code: number, reason: string): void {
    this.attempt?.retire(code, reason);
    this.attempt = null;
  }

  /** The connection is lost: forget the socket's state and start the reconnect loop. */
  private reconnect(delayFirstAttempt: boolean, detail: StateDetail, socketCloseReason: string): void {
    this.heartbeat.stop();
    this.retire(4000, socketCloseReason);
    this.cursor.reset();
    this.token.disconnected();
    this.outbox.disconnected();
    this.setState("reconnecting", detail);
    this.reconnects.start(delayFirstAttempt);
  }

  /** The loop ended for a reason not worth another attempt: signed out, or a close to stop at. */
  private gaveUp(failure: unknown): void {
    if (failure instanceof AttemptFailed && failure.outcome === "superseded") return;
    if (failure instanceof AttemptFailed && (failure.outcome === "signed_out" || failure.outcome === "closed")) {
      this.finish(failure.outcome, { code: failure.code, reason: failure.reason });
    } else this.finish("closed", { reason: failure instanceof Error ? failure.message : "connection failed" });
  }

  /** The socket went silent (or never answered): give up on it and reconnect; it can no longer close cleanly. */
  private dropped(): void {
    if (this.stopped || !this.connected()) return;
    this.reconnect(false, { reason: "heartbeat_timeout" }, "abandoned");
  }

  /** One attempt: a token, then a socket; resolves once the server says `connection_established`. */
  private async open(isCurrent: () => boolean): Promise<void> {
    const token = await this.token.forAttempt();
    if (!isCurrent()) throw new AttemptFailed(this.stopped ? "closed" : "superseded");
    const url = new URL(this.options.url);
    if (this.cursor.lastSeq !== null) url.searchParams.set("resume_after", String(this.cursor.lastSeq));
    // One socket per connection: whatever an older attempt left open closes before this one opens.
    this.retire(4000, "superseded");
    const attempt = this.openSocket(url.toString(), token);
    this.attempt = attempt;
    try {
      await attempt.settled;
    } catch (failure) {
      if (this.attempt === attempt) this.attempt = null;
      if (failure instanceof AttemptFailed && failure.outcome === "retry") this.token.closed(failure.tokenExpired);
      throw failure;
    }
  }

  /** An established socket closed: decide between signing out, stopping, and reconnecting. */
  private closedAfterOpen(code: number, rawReason: string): void {
    if (this.stopped) return;
    this.attempt = null;
    const failure = closeOutcome(code, rawReason);
    const detail = { code, reason: failure.reason };
    if (failure.outcome === "signed_out" || failure.outcome === "closed") return this.finish(failure.outcome, detail);
    this.token.closed(failure.tokenExpired);
    // 4001: the token ran out; a fresh one can reconnect at once. Anything else (a drop, 1011,
    // 1012 on a deploy, 4008) waits a jittered delay first, so a fleet does not return in lockstep.
    this.reconnect(!failure.tokenExpired, detail, "closed");
  }

  private welcome(frame: ServerFrame<"connection_established">): void {
    this.reconnects.connected();
    this.token.welcomed(frame);
    const reconnected = this.cursor.lastSeq !== null;
    const lost = this.cursor.welcome(frame.payload);
    if (lost) this.options.onResyncNeeded?.(lost);
    this.setState("open", reconnected ? { resumed: lost === null } : {});
    // One frame from us on every new socket: workerd completes a close the server starts only ~10 s
    // late on a socket the client never sent on (docs/deploy.md, known issues). The pong is an event.
    this.sendFrame({ type: "ping", id: crypto.randomUUID(), payload: {} });
    this.receive(frame);
  }

  private flushIfReplayed(): void {
    if (this.canSend()) for (const frame of this.outbox.toSend()) this.sendFrame(frame);
  }

  /** Every frame of the current socket, its welcome included, in order. */
  private receive(frame: ServerFrame): void {
    this.heartbeat.beat();
    if (frame.type === "session_revoked") {
      // The close (4003) follows, but may reach us late (docs/deploy.md, known issues): act on the frame.
      this.deliver(frame);
      return this.finish("signed_out", { code: CLOSE_CODES.session_revoked, reason: "session_revoked" });
    }
    if (!this.cursor.accept(frame)) return;
    this.outbox.settle(frame);
    if (frame.type === "token_expiring") void this.refreshInBand();
    // Refreshed, or refused: either way the socket goes on (a refused one closes 4001 at expiry).
    if (this.token.answers(frame) && this.currentState === "refreshing") this.setState("open");
    this.deliver(frame);
    this.flushIfReplayed();
  }

  private deliver(frame: ServerFrame): void {
    this.options.onEvent?.(frame);
    for (const listener of this.listeners) listener(frame);
  }

  /** `token_expiring`: get a newer token from the app and hand it to the server on this socket. */
  private async refreshInBand(): Promise<void> {
    if (this.currentState !== "open") return;
    const attempt = this.attempt;
    this.setState("refreshing");
    const outcome = await this.token.refresh();
    // The socket this refresh was for has gone meanwhile: the next one connects with a token of its own.
    if (this.stopped || this.state !== "refreshing" || this.attempt !== attempt) return;
    if (outcome.kind === "signed_out") return this.finish("signed_out", { reason: "no_token" });
    // Auth out of reach, or no newer token: keep the socket; at expiry it closes 4001 and the reconnect tries again.
    if (outcome.kind !== "send") return this.setState("open");
    this.sendFrame(outcome.frame);
  }
}

export function connect(options: ConnectOptions): TetherConnection {
  return new TetherConnection(options);
}

export type { ConnectionState, ConnectOptions, ServerFrame, ServerFrameType, StateDetail, TokenRequest };
