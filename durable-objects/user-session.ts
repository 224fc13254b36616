/**
 * @module
 * One object per login session (named by the token's `sid`). It holds every socket of that session
 * through the hibernation API, so an idle session costs nothing, and keeps the session's event
 * stream and resume log. Its handlers are thin: a `user_message` goes webSocketMessage →
 * message-handler.ts (stored, acknowledged) → run-queue.ts (its thread's turn) →
 * agents/runner.ts (events → frames) → session-channel.ts (the log, the sockets).
 */
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import { DurableObject } from "cloudflare:workers";
import { appDatabase } from "../workers/app-data/db/client.js";
import { AuthGateway } from "../workers/shared/auth-gateway.js";
import { backendConfig, type BackendConfig, type BackendVars } from "../workers/shared/backend-config.js";
import type { AuthServiceApi } from "../workers/shared/rpc.js";
import { acceptAndClose, readSessionClaims, tetherProtocolHeader } from "../workers/shared/socket-io.js";
import type { AgentHostEnv } from "./agents/agent-catalog.js";
import { readClientFrame } from "./frames.js";
import { FrameHandler } from "./message-handler.js";
import { RunLedger } from "./run-ledger.js";
import { dropRecordedRuns, reportInterruptedRuns, RunQueue } from "./run-queue.js";
import { SessionChannel } from "./session-channel.js";
import { SessionBudget } from "./session-budget.js";
import { SessionRetention } from "./session-retention.js";
import type { SessionSetup } from "./session-setup.js";
import { readAttachment, writeAttachment, type SocketAttachment } from "./socket-state.js";
import { expiryAction, fromToken, isExpired, nextWakeMs, refreshedSocket, updatedSocket } from "./token-lifecycle.js";
import type { PublicUser } from "@tether/protocol";

export interface UserSessionEnv extends BackendVars, AgentHostEnv {
  APP_DB: D1Database;
  AUTH: AuthServiceApi;
}

/** How long to look again when cleanup must wait for a run still in flight. */
const RUN_IN_FLIGHT_RECHECK_MS = 60_000;

export class UserSession extends DurableObject<UserSessionEnv> {
  private readonly channel: SessionChannel;
  private ledger: RunLedger;
  private readonly retention: SessionRetention;
  private readonly config: BackendConfig;
  /** Per session, across its sockets and reconnects: frames, messages and refreshes per window. */
  private readonly budget: SessionBudget;
  /** Made on the first frame: a socket that only connects never needs them (nor D1). */
  private runsInstance: RunQueue | { problem: string } | null = null;
  private handlerInstance: FrameHandler | null = null;
  /** Per object (docs/architecture.md): its own cache and breaker for in-band token refresh. */
  private gatewayInstance: AuthGateway | null = null;

  /** What keeps this deployment's session objects from working: for the backend's /health. */
  static configProblems(setup: SessionSetup, env: AgentHostEnv): string[] {
    const choice = setup.agents.choose(env);
    return choice.ok ? [] : [choice.problem];
  }

  /** An app's class is this one bound to its setup (`tether()` in workers/backend/tether.ts): the runtime passes (ctx, env) only. */
  constructor(
    ctx: DurableObjectState,
    env: UserSessionEnv,
    private readonly setup: SessionSetup,
  ) {
    super(ctx, env);
    this.channel = new SessionChannel(ctx);
    this.ledger = new RunLedger(ctx.storage.sql);
    this.retention = new SessionRetention(ctx.storage);
    this.config = backendConfig(env, setup.settings);
    this.budget = new SessionBudget(ctx.storage.kv, this.config.sessionBudget);
    // Before any event: what an earlier instance left unfinished is reported, or run (by the alarm).
    if (this.ledger.pending().length > 0) void ctx.blockConcurrencyWhile(() => this.takeOverRuns());
  }

  private async takeOverRuns(): Promise<void> {
    if (this.retention.revoked()) return this.stopRuns();
    const runs = this.runs;
    const canRun = !("problem" in runs);
    await reportInterruptedRuns(appDatabase(this.env.APP_DB), this.ledger, this.channel, (run) => !canRun || run.startedAt !== null);
    if (canRun && runs.hasWaiting()) await this.ctx.storage.setAlarm(Date.now());
  }

  /** A revoked session's runs: the running aborted, the waiting dropped (docs/protocol.md "Revocation stops work"). */
  private async stopRuns(): Promise<void> {
    if (this.runsInstance === null && this.ledger.pending().length === 0) return;
    const runs = this.runs;
    if ("problem" in runs) return dropRecordedRuns(appDatabase(this.env.APP_DB), this.ledger, this.ledger.pending());
    await runs.stop();
  }

  private get runs(): RunQueue | { problem: string } {
    if (!this.runsInstance) {
      const choice = this.setup.agents.choose(this.env);
      this.runsInstance = choice.ok
        ? new RunQueue(appDatabase(this.env.APP_DB), this.ledger, this.channel, choice.agent, this.setup.tools, this.env, {
            runTimeoutMs: this.config.agentRunTimeoutMs,
            historyMessages: this.config.agentHistoryMessages,
            maxConcurrentRuns: this.config.maxConcurrentRuns,
          })
        : { problem: choice.problem };
    }
    return this.runsInstance;
  }

  private get handler(): FrameHandler {
    this.handlerInstance ??= new FrameHandler(appDatabase(this.env.APP_DB), this.channel, this.runs, this.budget);
    return this.handlerInstance;
  }

  private get gateway(): AuthGateway {
    this.gatewayInstance ??= new AuthGateway(this.env.AUTH, this.config.gateway);
    return this.gatewayInstance;
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
    if (this.channel.openSockets().length >= this.config.maxSocketsPerSession) {
      logEvent("info", "socket_refused", { session_id: claims.sid, user_id: claims.sub, reason: "too_many_sockets" });
      return acceptAndClose(request, "too_many_sockets", "This session has too many connections open; close one.");
    }
    const resumeParam = new URL(request.url).searchParams.get("resume_after");
    const resumeAfter = resumeParam !== null && /^\d{1,15}$/.test(resumeParam) ? Number(resumeParam) : null;

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const nowMs = Date.now();
    const attachment: SocketAttachment = {
      userId: claims.sub,
      sessionId: claims.sid,
      ...fromToken(claims),
      connectedAtMs: nowMs,
    };
    writeAttachment(server, attachment);
    const replay = this.channel.welcome(server, attachment, resumeAfter, nowMs);
    this.retention.setIdleSince(null);
    await this.scheduleAlarm();
    const sockets = this.channel.openSockets().length;
    logEvent("info", "socket_connected", { session_id: claims.sid, user_id: claims.sub, resumed_from: replay.resumedFrom, sockets });
    return new Response(null, { status: 101, webSocket: client, headers: tetherProtocolHeader(request) });
  }

  /**
   * Session sync: the auth Worker revoked this session. Its sockets close, its runs stop, and new
   * sockets are refused from now on. If D1 cannot take the dropped runs' rows now, the alarm
   * tries again (the sockets are closed either way).
   */
  async revoke(reason: string): Promise<number> {
    this.retention.markRevoked(reason, Date.now());
    const closed = this.channel.revokeAll(reason);
    await this.stopRuns().catch((error: unknown) => {
      logEvent("error", "runs_not_stopped", { error: errorKind(error) });
    });
    await this.scheduleAlarm();
    return closed;
  }

  /** Session sync: the user's email, name, verified flag or permissions changed. Counts the sockets told. */
  async userUpdated(user: PublicUser): Promise<number> {
    let updated = 0;
    for (const ws of this.channel.openSockets()) {
      const attachment = readAttachment(ws);
      if (!attachment || attachment.userId !== user.id) continue;
      writeAttachment(ws, updatedSocket(attachment, user));
      updated += 1;
    }
    return updated;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const nowMs = Date.now();
    const verdict = this.budget.frame(nowMs);
    if (verdict === "close") return this.channel.close(ws, "rate_limited", "Too many frames.");
    if (verdict === "warn")
      return this.channel.reply(ws, "error", { code: "rate_limited", message: "Too many frames; slow down.", retryable: true });
    const attachment = readAttachment(ws);
    if (!attachment) return this.channel.close(ws, "unauthorized", "This connection has no valid session; connect again.");
    if (isExpired(attachment, nowMs)) return this.channel.close(ws, "token_expired", "The access token has expired.");

    const reading = readClientFrame(message);
    if (!reading.ok) {
      if (reading.tooLarge) return this.channel.close(ws, "frame_too_large", reading.message);
      return this.channel.reply(
        ws,
        "error",
        { code: reading.code, message: reading.message, retryable: false },
        { replyTo: reading.replyTo },
      );
    }
    const frame = reading.frame;
    // The most frequent frame, answered here with nothing allocated for the others (it needs no permission).
    if (frame.type === "ping") return this.channel.reply(ws, "pong", { server_time: new Date(nowMs).toISOString() }, { replyTo: frame.id });
    try {
      if (frame.type === "auth_refresh") return await this.refreshToken(ws, attachment, frame.payload.token, frame.id);
      const author = { userId: attachment.userId, email: attachment.email, name: attachment.name, emailVerified: attachment.emailVerified };
      await this.handler.handle(frame, { ws, sessionId: attachment.sessionId, author, permissions: attachment.permissions });
    } catch (error) {
      logEvent("error", "frame_failed", {
        session_id: attachment.sessionId,
        type: frame.type,
        error: errorKind(error),
      });
      this.channel.reply(
        ws,
        "error",
        { code: "internal_error", message: "The frame could not be handled.", retryable: true },
        { replyTo: frame.id },
      );
    }
  }

  /**
   * `auth_refresh`: the new token must be valid (checked by the auth Worker) and belong to the
   * same user and session as the socket; otherwise nothing changes and the client gets `error`.
   */
  private async refreshToken(ws: WebSocket, attachment: SocketAttachment, token: string, replyTo: string): Promise<void> {
    // Each refresh is an auth call: a session gets a few a minute, whatever its sockets do.
    if (!this.budget.take("refreshes", Date.now())) {
      const message = "This session has refreshed its token too often; wait a minute.";
      return this.channel.reply(ws, "error", { code: "rate_limited", message, retryable: true }, { replyTo });
    }
    const validation = await this.gateway.validate(token, { bypassCache: true });
    if (!validation.ok) {
      const retryable = validation.code === "auth_unavailable";
      return this.channel.reply(ws, "error", { code: validation.code, message: validation.message, retryable }, { replyTo });
    }
    const refreshed = refreshedSocket(attachment, validation.claims);
    if (!refreshed.ok)
      return this.channel.reply(ws, "error", { code: refreshed.code, message: refreshed.message, retryable: false }, { replyTo });
    writeAttachment(ws, refreshed.attachment);
    this.channel.reply(
      ws,
      "auth_refreshed",
      { token_expires_at: new Date(refreshed.attachment.tokenExpiresAtMs).toISOString() },
      { replyTo },
    );
    await this.scheduleAlarm();
  }

  /**
   * One alarm for everything timed: runs an earlier instance left waiting; while sockets are open,
   * token deadlines (a `token_expiring` warning, then 4001); once none is, the storage cleanup of
   * session-retention.ts.
   */
  override async alarm(): Promise<void> {
    const nowMs = Date.now();
    const open = this.channel.openSockets();
    for (const ws of open) {
      const attachment = readAttachment(ws);
      if (!attachment) continue;
      const action = expiryAction(attachment, nowMs, this.config.tokenRefreshLeadMs);
      if (action === "close") this.channel.close(ws, "token_expired", "The access token expired without a refresh.");
      if (action === "warn") {
        writeAttachment(ws, { ...attachment, expiryWarned: true });
        this.channel.reply(ws, "token_expiring", { expires_at: new Date(attachment.tokenExpiresAtMs).toISOString() });
      }
    }
    if (this.retention.revoked()) await this.stopRuns();
    else this.startWaitingRuns();
    if (this.channel.openSockets().length === 0) return this.cleanUpStorage(Date.now());
    await this.scheduleAlarm();
  }

  /**
   * Starts what an earlier instance left queued, without awaiting it: an alarm that waited for
   * runs would hold every later alarm (token warnings, cleanup) behind them. The runs keep the
   * object awake while they go (each has its deadline timer); each reports its own failure.
   */
  private startWaitingRuns(): void {
    const runs = this.runsInstance;
    if (runs === null || "problem" in runs || !runs.hasWaiting()) return;
    runs.runWaiting().catch((error: unknown) => {
      logEvent("error", "waiting_runs_failed", { error: errorKind(error) });
    });
  }

  private async cleanUpStorage(nowMs: number): Promise<void> {
    const runs = this.runsInstance;
    const inFlight = runs && !("problem" in runs) ? runs.hasPending() : this.ledger.pending().length > 0;
    if (inFlight) return this.ctx.storage.setAlarm(nowMs + RUN_IN_FLIGHT_RECHECK_MS);
    const next = await this.retention.cleanUp(nowMs, this.channel.lastSeq());
    // What was deleted is gone from these too: they cache whether their tables exist.
    this.channel.forgetLog();
    this.budget.forget();
    this.ledger = new RunLedger(this.ctx.storage.sql);
    this.runsInstance = null;
    this.handlerInstance = null;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Now, for runs left waiting; else the earliest token deadline of an open socket; with none open, the storage cleanup. */
  private async scheduleAlarm(except?: WebSocket): Promise<void> {
    const nowMs = Date.now();
    const wakes = this.channel
      .openSockets(except)
      .map(readAttachment)
      .filter((attachment): attachment is SocketAttachment => attachment !== null)
      .map((attachment) => nextWakeMs(attachment, this.config.tokenRefreshLeadMs));
    const runs = this.runsInstance;
    const runsWaiting = runs !== null && !("problem" in runs) && runs.hasWaiting();
    const at = runsWaiting ? nowMs : wakes.length > 0 ? Math.min(...wakes) : this.retention.cleanupAtMs(nowMs);
    if (at === null) return this.ctx.storage.deleteAlarm();
    await this.ctx.storage.setAlarm(Math.max(nowMs, at));
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
    if (this.channel.openSockets(ws).length === 0) {
      // The last one went: the storage may go too, later (session-retention.ts).
      if (!this.retention.revoked()) this.retention.setIdleSince(Date.now());
      await this.scheduleAlarm(ws);
    }
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    logEvent("warn", "socket_error", { error: errorKind(error) });
  }
}
