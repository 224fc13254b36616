import { DurableObject } from "cloudflare:workers";
import { AuthGateway } from "../workers/shared/auth-gateway.js";
import { backendConfig, type BackendConfig, type BackendVars } from "../workers/shared/backend-config.js";
import type { ServerFrameType, ServerPayloads } from "../workers/shared/protocol.js";
import { logEvent } from "../workers/shared/request-log.js";
import type { AuthServiceApi } from "../workers/shared/rpc.js";
import { demoAgent } from "./agents/demo.js";
import { paced } from "./agents/paced.js";
import { calculator } from "./agents/tools/calculator.js";
import { wordCount } from "./agents/tools/word-count.js";
import { appDatabase } from "../workers/app-data/db/client.js";
import { EventLog } from "./event-log.js";
import { readClientFrame, serverFrame, type FrameRouting } from "./frames.js";
import { FrameHandler, type SessionChannel } from "./message-handler.js";
import { storeRunOutcome } from "../workers/app-data/message-store.js";
import { RunLedger } from "./run-ledger.js";
import { SessionRetention } from "./session-retention.js";
import { acceptAndClose, closeSocket, readSessionClaims, sendIfOpen, tetherProtocolHeader } from "../workers/shared/socket-io.js";
import { FrameCounter, readAttachment, type SocketAttachment } from "./socket-state.js";
import { expiryAction, nextWakeMs } from "./token-lifecycle.js";

export interface UserSessionEnv extends BackendVars {
  APP_DB: D1Database;
  AUTH: AuthServiceApi;
}

/** How long to look again when cleanup must wait for a run still in flight. */
const RUN_IN_FLIGHT_RECHECK_MS = 60_000;

/**
 * One object per login session (named by the token's `sid`). It holds every socket of that
 * session through the hibernation API, so an idle session costs nothing, and keeps the
 * session's event stream and resume log. Its storage goes once nobody uses it (session-retention.ts).
 */
export class UserSession extends DurableObject<UserSessionEnv> {
  private log: EventLog;
  private ledger: RunLedger;
  private readonly retention: SessionRetention;
  /** Made on the first frame: a socket that only connects never needs one (nor D1). */
  private handlerInstance: FrameHandler | null = null;
  private readonly config: BackendConfig;
  private readonly frames: FrameCounter;
  /** Per object (docs/architecture.md): its own cache and breaker for in-band token refresh. */
  private gatewayInstance: AuthGateway | null = null;

  constructor(ctx: DurableObjectState, env: UserSessionEnv) {
    super(ctx, env);
    this.log = new EventLog(ctx.storage);
    this.ledger = new RunLedger(ctx.storage.sql);
    this.retention = new SessionRetention(ctx.storage);
    this.config = backendConfig(env);
    this.frames = new FrameCounter(this.config.wsRateLimits);
    // Before any event is handled: runs an earlier instance left unfinished are reported failed.
    if (this.ledger.inFlight().length > 0) void ctx.blockConcurrencyWhile(() => this.reportInterruptedRuns());
  }

  /**
   * A run cut off by a reset of this object (eviction, crash, deploy): its run row is marked
   * failed and the session's stream gets `error run_interrupted` for it, so a client that resumes
   * sees the run end instead of waiting for events that will never come. If D1 is unreachable the
   * run stays in the ledger and the next start tries again.
   */
  private async reportInterruptedRuns(): Promise<void> {
    const db = appDatabase(this.env.APP_DB);
    for (const run of this.ledger.inFlight()) {
      try {
        await storeRunOutcome(
          db,
          { ...run, durationMs: Date.now() - run.startedAt },
          { ok: false, error: "interrupted: the session object was reset" },
        );
      } catch {
        continue;
      }
      this.publish(
        "error",
        { code: "run_interrupted", message: "The agent run was interrupted; send the message again to retry.", retryable: true },
        { replyTo: run.replyTo, threadId: run.threadId },
      );
      this.ledger.end(run.runId);
    }
  }

  /** Onto the session's shared stream: numbered, logged for resume, sent to every socket. */
  private publish<T extends ServerFrameType>(type: T, payload: ServerPayloads[T], routing: FrameRouting): void {
    const frame = this.log.append((seq) => serverFrame(type, payload, routing, seq));
    // A socket that is closing misses the live event; its client resumes from the log.
    for (const socket of this.ctx.getWebSockets()) sendIfOpen(socket, frame);
  }

  private get handler(): FrameHandler {
    if (!this.handlerInstance) {
      const agent = paced(demoAgent, this.config.demoAgentStepDelayMs);
      this.handlerInstance = new FrameHandler(appDatabase(this.env.APP_DB), agent, [calculator, wordCount], this.ledger);
    }
    return this.handlerInstance;
  }

  private get gateway(): AuthGateway {
    this.gatewayInstance ??= new AuthGateway(this.env.AUTH, this.config.gateway);
    return this.gatewayInstance;
  }

  /** Sockets that are open (not closing): the ones that count as someone using the session. */
  private openSockets(except?: WebSocket): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  override async fetch(request: Request): Promise<Response> {
    const claims = readSessionClaims(request);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !claims) {
      return new Response("Expected an authenticated WebSocket upgrade.", { status: 400 });
    }
    // A revoked session stays revoked, even for a token some isolate still has cached as valid.
    if (this.retention.revoked()) {
      logEvent("info", "socket_refused", { session_id: claims.sid, user_id: claims.sub, reason: "session_revoked" });
      return acceptAndClose(request, "session_revoked", "The session has been revoked.");
    }
    const resumeParam = new URL(request.url).searchParams.get("resume_after");
    const resumeAfter = resumeParam !== null && /^\d{1,15}$/.test(resumeParam) ? Number(resumeParam) : null;

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const nowMs = Date.now();
    const attachment: SocketAttachment = {
      userId: claims.sub,
      sessionId: claims.sid,
      email: claims.email,
      name: claims.name,
      emailVerified: claims.email_verified,
      permissions: claims.permissions,
      tokenExpiresAtMs: claims.exp * 1000,
      expiryWarned: false,
      connectedAtMs: nowMs,
    };
    server.serializeAttachment(attachment);

    const replay = resumeAfter === null ? { resumedFrom: null, frames: [] } : this.log.replayAfter(resumeAfter);
    server.send(
      serverFrame("connection_established", {
        user_id: attachment.userId,
        session_id: attachment.sessionId,
        token_expires_at: new Date(attachment.tokenExpiresAtMs).toISOString(),
        resumed_from: replay.resumedFrom,
        last_seq: this.log.lastSeq(),
        server_time: new Date(nowMs).toISOString(),
      }),
    );
    for (const frame of replay.frames) server.send(frame);
    this.retention.setIdleSince(null);
    await this.scheduleAlarm();
    logEvent("info", "socket_connected", {
      session_id: claims.sid,
      user_id: claims.sub,
      resumed_from: replay.resumedFrom,
      sockets: this.openSockets().length,
    });
    return new Response(null, { status: 101, webSocket: client, headers: tetherProtocolHeader(request) });
  }

  /**
   * Session sync: the auth Worker revoked this session (logout, refresh-token reuse, user
   * disabled). Every socket gets a `session_revoked` frame, then closes with 4003; new ones are
   * refused from now on. The frame comes first because a client may see the close late (README,
   * known issues): a frame it receives within milliseconds tells it at once.
   */
  async revoke(reason: string): Promise<number> {
    this.retention.markRevoked(reason, Date.now());
    const sockets = this.ctx.getWebSockets();
    const notice = serverFrame("session_revoked", { reason });
    for (const ws of sockets) {
      sendIfOpen(ws, notice);
      closeSocket(ws, "session_revoked", "The session has been revoked.");
    }
    const first = sockets.map(readAttachment).find((attachment) => attachment !== null);
    logEvent("info", "session_revoked", { session_id: first?.sessionId, user_id: first?.userId, reason, sockets: sockets.length });
    await this.scheduleAlarm();
    return sockets.length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const nowMs = Date.now();
    const verdict = this.frames.count(ws, nowMs);
    if (verdict === "close") return this.closeWith(ws, "rate_limited", "Too many frames.");
    if (verdict === "warn") {
      sendIfOpen(ws, serverFrame("error", { code: "rate_limited", message: "Too many frames; slow down.", retryable: true }));
      return;
    }
    const attachment = readAttachment(ws);
    if (!attachment) return this.closeWith(ws, "unauthorized", "This connection has no valid session; connect again.");
    if (attachment.tokenExpiresAtMs <= nowMs) return this.closeWith(ws, "token_expired", "The access token has expired.");

    const reading = readClientFrame(message);
    if (!reading.ok) {
      if (reading.tooLarge) return this.closeWith(ws, "frame_too_large", reading.message);
      sendIfOpen(
        ws,
        serverFrame("error", { code: reading.code, message: reading.message, retryable: false }, { replyTo: reading.replyTo }),
      );
      return;
    }
    try {
      await this.handler.handle(reading.frame, this.channel(ws, attachment));
    } catch (error) {
      console.error("frame handling failed", error instanceof Error ? error.name : typeof error);
      sendIfOpen(
        ws,
        serverFrame(
          "error",
          { code: "internal_error", message: "The frame could not be handled.", retryable: true },
          { replyTo: reading.frame.id },
        ),
      );
    }
  }

  private closeWith(ws: WebSocket, code: "rate_limited" | "unauthorized" | "token_expired" | "frame_too_large", message: string): void {
    const attachment = readAttachment(ws);
    logEvent("info", "socket_closing", { session_id: attachment?.sessionId, user_id: attachment?.userId, reason: code });
    closeSocket(ws, code, message);
  }

  /**
   * One alarm for everything timed: while sockets are open, token deadlines (a `token_expiring`
   * warning, then 4001); once none is, the storage cleanup of session-retention.ts.
   */
  override async alarm(): Promise<void> {
    const nowMs = Date.now();
    const open = this.openSockets();
    for (const ws of open) {
      const attachment = readAttachment(ws);
      if (!attachment) continue;
      const action = expiryAction(attachment, nowMs, this.config.tokenRefreshLeadMs);
      if (action === "close") this.closeWith(ws, "token_expired", "The access token expired without a refresh.");
      if (action === "warn") {
        ws.serializeAttachment({ ...attachment, expiryWarned: true });
        sendIfOpen(ws, serverFrame("token_expiring", { expires_at: new Date(attachment.tokenExpiresAtMs).toISOString() }));
      }
    }
    if (open.length === 0) return this.cleanUpStorage(nowMs);
    await this.scheduleAlarm();
  }

  private async cleanUpStorage(nowMs: number): Promise<void> {
    if (this.ledger.inFlight().length > 0) return this.ctx.storage.setAlarm(nowMs + RUN_IN_FLIGHT_RECHECK_MS);
    const next = await this.retention.cleanUp(nowMs);
    // What was deleted is gone from these too: they cache whether their tables exist.
    this.log = new EventLog(this.ctx.storage);
    this.ledger = new RunLedger(this.ctx.storage.sql);
    this.handlerInstance = null;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** The earliest token deadline of an open socket; with none open, the storage cleanup. */
  private async scheduleAlarm(except?: WebSocket): Promise<void> {
    const nowMs = Date.now();
    const wakes = this.openSockets(except)
      .map(readAttachment)
      .filter((attachment): attachment is SocketAttachment => attachment !== null)
      .map((attachment) => nextWakeMs(attachment, this.config.tokenRefreshLeadMs));
    const at = wakes.length > 0 ? Math.min(...wakes) : this.retention.cleanupAtMs(nowMs);
    if (at === null) return this.ctx.storage.deleteAlarm();
    await this.ctx.storage.setAlarm(Math.max(nowMs, at));
  }

  /**
   * `auth_refresh`: the new token must be valid (checked by the auth Worker) and belong to the
   * same user and session as the socket; otherwise nothing changes and the client gets `error`.
   */
  private async refreshSocketToken(ws: WebSocket, attachment: SocketAttachment, token: string, replyTo: string): Promise<void> {
    const validation = await this.gateway.validate(token, { bypassCache: true });
    if (!validation.ok) {
      const retryable = validation.code === "auth_unavailable";
      sendIfOpen(ws, serverFrame("error", { code: validation.code, message: validation.message, retryable }, { replyTo }));
      return;
    }
    if (validation.claims.sub !== attachment.userId || validation.claims.sid !== attachment.sessionId) {
      const mismatch = { code: "token_mismatch", message: "The token belongs to another user or session.", retryable: false };
      sendIfOpen(ws, serverFrame("error", mismatch, { replyTo }));
      return;
    }
    const tokenExpiresAtMs = validation.claims.exp * 1000;
    ws.serializeAttachment({ ...attachment, permissions: validation.claims.permissions, tokenExpiresAtMs, expiryWarned: false });
    sendIfOpen(ws, serverFrame("auth_refreshed", { token_expires_at: new Date(tokenExpiresAtMs).toISOString() }, { replyTo }));
    await this.scheduleAlarm();
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the closing handshake; the attachment goes with the socket.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    const attachment = readAttachment(ws);
    logEvent("info", "socket_closed", { session_id: attachment?.sessionId, user_id: attachment?.userId, code });
    if (this.openSockets(ws).length === 0) {
      // The last one went: the storage may go too, later (session-retention.ts).
      if (!this.retention.revoked()) this.retention.setIdleSince(Date.now());
      await this.scheduleAlarm(ws);
    }
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    console.warn("socket error", error instanceof Error ? error.name : typeof error);
  }

  private channel(ws: WebSocket, attachment: SocketAttachment): SessionChannel {
    return {
      author: { userId: attachment.userId, email: attachment.email, name: attachment.name, emailVerified: attachment.emailVerified },
      permissions: attachment.permissions,
      reply: (type, payload, routing) => sendIfOpen(ws, serverFrame(type, payload, routing)),
      refreshToken: (token, replyTo) => this.refreshSocketToken(ws, attachment, token, replyTo),
      publish: (type, payload, routing) => this.publish(type, payload, routing ?? {}),
    };
  }
}
