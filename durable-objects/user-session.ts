import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { AuthGateway } from "../workers/shared/auth-gateway.js";
import { authGatewayOptions, readInteger, type AuthGatewayVars } from "../workers/shared/config.js";
import { CLOSE_CODES, PROTOCOL, type CloseReasonCode, type ServerFrameType, type ServerPayloads } from "../workers/shared/protocol.js";
import type { AuthServiceApi } from "../workers/shared/rpc.js";
import { demoAgent } from "./agents/demo.js";
import { paced } from "./agents/paced.js";
import { calculator } from "./agents/tools/calculator.js";
import { wordCount } from "./agents/tools/word-count.js";
import { appDatabase } from "./db/client.js";
import { EventLog } from "./event-log.js";
import { readClientFrame, serverFrame, type FrameRouting } from "./frames.js";
import { FrameHandler, type SessionChannel } from "./message-handler.js";
import { storeRunOutcome } from "./message-store.js";
import { RunLedger } from "./run-ledger.js";
import { DEFAULT_RATE_LIMITS, FrameCounter, type SocketAttachment } from "./socket-state.js";
import { DEFAULT_TOKEN_REFRESH_LEAD_SECONDS, expiryAction, nextWakeMs } from "./token-lifecycle.js";

export interface UserSessionEnv extends AuthGatewayVars {
  APP_DB: D1Database;
  AUTH: AuthServiceApi;
  TOKEN_REFRESH_LEAD_SECONDS?: string;
  WS_MAX_FRAMES_PER_WINDOW?: string;
  WS_RATE_WINDOW_SECONDS?: string;
  DEMO_AGENT_STEP_DELAY_MS?: string;
}

/**
 * What the backend Worker tells the object about a socket it has authenticated. Only the Worker
 * can reach the object, and it overwrites this header on every upgrade it forwards.
 */
export const SESSION_CLAIMS_HEADER = "X-Tether-Session-Claims";
export const SessionClaims = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  email: z.string(),
  name: z.string(),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof SessionClaims>;

const REVOKED_KEY = "revoked_reason";

function tetherProtocolHeader(request: Request): Record<string, string> | undefined {
  const offered = request.headers.get("Sec-WebSocket-Protocol")?.split(",").map((part) => part.trim()) ?? [];
  return offered.includes(PROTOCOL) ? { "Sec-WebSocket-Protocol": PROTOCOL } : undefined;
}

/** Closes with an application code and a short JSON reason a browser can read. */
export function closeSocket(ws: WebSocket, code: CloseReasonCode, message: string): void {
  try {
    ws.close(CLOSE_CODES[code], JSON.stringify({ code, message }).slice(0, 123));
  } catch {
    // Already closing: nothing left to tell it.
  }
}

/**
 * Sends unless the socket has closed meanwhile (a reply can outlive its socket: the client went
 * away while its frame was being handled). What was lost is in the resume log, if it was sequenced.
 */
function sendIfOpen(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // Closed or closing.
  }
}

/**
 * One object per login session (named by the token's `sid`). It holds every socket of that
 * session through the hibernation API, so an idle session costs nothing, and keeps the
 * session's event stream and resume log.
 */
export class UserSession extends DurableObject<UserSessionEnv> {
  private readonly log: EventLog;
  private readonly ledger: RunLedger;
  /** Made on the first frame: a socket that only connects never needs one (nor D1). */
  private handlerInstance: FrameHandler | null = null;
  private readonly refreshLeadMs: number;
  private readonly frames: FrameCounter;
  /** Per object (DESIGN.md section 5): its own cache and breaker for in-band token refresh. */
  private gatewayInstance: AuthGateway | null = null;

  constructor(ctx: DurableObjectState, env: UserSessionEnv) {
    super(ctx, env);
    this.log = new EventLog(ctx.storage);
    this.ledger = new RunLedger(ctx.storage.sql);
    this.refreshLeadMs =
      readInteger(env.TOKEN_REFRESH_LEAD_SECONDS, DEFAULT_TOKEN_REFRESH_LEAD_SECONDS, { min: 0, max: 3600 }) * 1000;
    this.frames = new FrameCounter({
      maxFrames: readInteger(env.WS_MAX_FRAMES_PER_WINDOW, DEFAULT_RATE_LIMITS.maxFrames, { min: 1, max: 1_000_000 }),
      windowMs: readInteger(env.WS_RATE_WINDOW_SECONDS, DEFAULT_RATE_LIMITS.windowMs / 1000, { min: 1, max: 3600 }) * 1000,
    });
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
        await storeRunOutcome(db, { ...run, durationMs: Date.now() - run.startedAt }, { ok: false, error: "interrupted: the session object was reset" });
      } catch {
        continue;
      }
      this.publish("error", { code: "run_interrupted", message: "The agent run was interrupted; send the message again to retry.", retryable: true }, { replyTo: run.replyTo, threadId: run.threadId });
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
      const agent = paced(demoAgent, readInteger(this.env.DEMO_AGENT_STEP_DELAY_MS, 0, { min: 0, max: 10_000 }));
      this.handlerInstance = new FrameHandler(appDatabase(this.env.APP_DB), agent, [calculator, wordCount], this.ledger);
    }
    return this.handlerInstance;
  }

  private get gateway(): AuthGateway {
    this.gatewayInstance ??= new AuthGateway(this.env.AUTH, authGatewayOptions(this.env));
    return this.gatewayInstance;
  }

  override async fetch(request: Request): Promise<Response> {
    const claims = SessionClaims.safeParse(JSON.parse(request.headers.get(SESSION_CLAIMS_HEADER) ?? "null"));
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !claims.success) {
      return new Response("Expected an authenticated WebSocket upgrade.", { status: 400 });
    }
    // A revoked session stays revoked, even for a token some isolate still has cached as valid.
    if (this.ctx.storage.kv.get<string>(REVOKED_KEY)) {
      const { 0: client, 1: server } = new WebSocketPair();
      server.accept();
      closeSocket(server, "session_revoked", "The session has been revoked.");
      return new Response(null, { status: 101, webSocket: client, headers: tetherProtocolHeader(request) });
    }
    const resumeParam = new URL(request.url).searchParams.get("resume_after");
    const resumeAfter = resumeParam !== null && /^\d{1,15}$/.test(resumeParam) ? Number(resumeParam) : null;

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const nowMs = Date.now();
    const attachment: SocketAttachment = {
      userId: claims.data.sub,
      sessionId: claims.data.sid,
      email: claims.data.email,
      name: claims.data.name,
      tokenExpiresAtMs: claims.data.exp * 1000,
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
    await this.scheduleExpiryAlarm();

    return new Response(null, { status: 101, webSocket: client, headers: tetherProtocolHeader(request) });
  }

  /**
   * Session sync: the auth Worker revoked this session (logout, refresh-token reuse, user
   * disabled). Every socket closes with 4003 at once, and new ones are refused from now on.
   */
  async revoke(reason: string): Promise<number> {
    this.ctx.storage.kv.put(REVOKED_KEY, reason);
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) closeSocket(ws, "session_revoked", "The session has been revoked.");
    await this.ctx.storage.deleteAlarm();
    return sockets.length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const nowMs = Date.now();
    const verdict = this.frames.count(ws, nowMs);
    if (verdict === "close") return closeSocket(ws, "rate_limited", "Too many frames.");
    if (verdict === "warn") {
      sendIfOpen(ws, serverFrame("error", { code: "rate_limited", message: "Too many frames; slow down.", retryable: true }));
      return;
    }
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    if (attachment.tokenExpiresAtMs <= nowMs) return closeSocket(ws, "token_expired", "The access token has expired.");

    const reading = readClientFrame(message);
    if (!reading.ok) {
      if (reading.tooLarge) return closeSocket(ws, "frame_too_large", reading.message);
      sendIfOpen(ws, serverFrame("error", { code: reading.code, message: reading.message, retryable: false }, { replyTo: reading.replyTo }));
      return;
    }
    try {
      await this.handler.handle(reading.frame, this.channel(ws, attachment));
    } catch (error) {
      console.error("frame handling failed", error instanceof Error ? error.message : typeof error);
      sendIfOpen(ws, serverFrame("error", { code: "internal_error", message: "The frame could not be handled.", retryable: true }, { replyTo: reading.frame.id }));
    }
  }

  /** Wakes for token deadlines: warns sockets whose token is about to expire, closes expired ones. */
  override async alarm(): Promise<void> {
    const nowMs = Date.now();
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null;
      if (!attachment) continue;
      const action = expiryAction(attachment, nowMs, this.refreshLeadMs);
      if (action === "close") closeSocket(ws, "token_expired", "The access token expired without a refresh.");
      if (action === "warn") {
        ws.serializeAttachment({ ...attachment, expiryWarned: true });
        sendIfOpen(ws, serverFrame("token_expiring", { expires_at: new Date(attachment.tokenExpiresAtMs).toISOString() }));
      }
    }
    await this.scheduleExpiryAlarm();
  }

  /** One alarm for the earliest deadline of any open socket; none when no socket is open. */
  private async scheduleExpiryAlarm(): Promise<void> {
    const wakes = this.ctx
      .getWebSockets()
      .filter((ws) => ws.readyState === WebSocket.OPEN)
      .map((ws) => ws.deserializeAttachment() as SocketAttachment | null)
      .filter((attachment): attachment is SocketAttachment => attachment !== null)
      .map((attachment) => nextWakeMs(attachment, this.refreshLeadMs));
    if (wakes.length === 0) return this.ctx.storage.deleteAlarm();
    await this.ctx.storage.setAlarm(Math.max(Date.now(), Math.min(...wakes)));
  }

  /**
   * `auth_refresh`: the new token must be valid (checked by the auth Worker) and belong to the
   * same user and session as the socket; otherwise nothing changes and the client gets `error`.
   */
  private async refreshSocketToken(ws: WebSocket, token: string, replyTo: string): Promise<void> {
    const attachment = ws.deserializeAttachment() as SocketAttachment;
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
    ws.serializeAttachment({ ...attachment, tokenExpiresAtMs, expiryWarned: false });
    sendIfOpen(ws, serverFrame("auth_refreshed", { token_expires_at: new Date(tokenExpiresAtMs).toISOString() }, { replyTo }));
    await this.scheduleExpiryAlarm();
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the closing handshake; the attachment goes with the socket.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    console.warn("socket error", error instanceof Error ? error.message : typeof error);
  }

  private channel(ws: WebSocket, attachment: SocketAttachment): SessionChannel {
    return {
      author: { userId: attachment.userId, email: attachment.email, name: attachment.name },
      reply: (type, payload, routing) => sendIfOpen(ws, serverFrame(type, payload, routing)),
      refreshToken: (token, replyTo) => this.refreshSocketToken(ws, token, replyTo),
      publish: (type, payload, routing) => this.publish(type, payload, routing ?? {}),
    };
  }
}
