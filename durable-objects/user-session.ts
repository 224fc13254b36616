/**
 * @module
 * One object per login session (named by the token's `sid`), holding every socket of it through
 * the hibernation API, so an idle session costs nothing. This class puts the object's parts
 * together; each lifecycle handler is a guard and a call into the module named for the job:
 * socket-admission.ts, frame-gate.ts, session-runs.ts, socket-tokens.ts, session-retention.ts.
 * docs/architecture.md follows one `user_message` through them, file by file.
 */
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import { DurableObject } from "cloudflare:workers";
import { appDatabase } from "../workers/app-data/db/client.js";
import { backendConfig, type BackendVars } from "../workers/shared/backend-config.js";
import type { AuthServiceApi } from "../workers/shared/rpc.js";
import { readSessionClaims } from "../workers/shared/socket-io.js";
import type { AgentHostEnv } from "./agents/agent-catalog.js";
import { ApprovalLedger } from "./approval-ledger.js";
import { ApprovalWaits } from "./approval-waits.js";
import { FrameGate } from "./frame-gate.js";
import { FrameHandler } from "./frame-handler.js";
import { RunLedger } from "./run-ledger.js";
import { RunQueue } from "./run-queue.js";
import { SessionBudget } from "./session-budget.js";
import { SessionChannel } from "./session-channel.js";
import { SessionRetention } from "./session-retention.js";
import { SessionRuns, UnavailableRuns } from "./session-runs.js";
import type { SessionSetup } from "./session-setup.js";
import { SocketAdmission } from "./socket-admission.js";
import { readAttachment } from "./socket-state.js";
import { SocketTokens } from "./socket-tokens.js";
import type { PublicUser } from "@tether/protocol";

export interface UserSessionEnv extends BackendVars, AgentHostEnv {
  APP_DB: D1Database;
  AUTH: AuthServiceApi;
}

export class UserSession extends DurableObject<UserSessionEnv> {
  private readonly channel: SessionChannel;
  private readonly retention: SessionRetention;
  /** Per session, across its sockets and reconnects: frames, messages and refreshes per window. */
  private readonly budget: SessionBudget;
  private readonly tokens: SocketTokens;
  private readonly admission: SocketAdmission;
  private readonly runs: SessionRuns;
  private readonly frames: FrameGate;

  /** What keeps this deployment's session objects from working: for the backend's /health. */
  static configProblems(setup: SessionSetup, env: AgentHostEnv): string[] {
    const choice = setup.agents.choose(env);
    return choice.ok ? [] : [choice.problem];
  }

  /** An app's class is this one bound to its setup (`tether()` in workers/backend/tether.ts): the runtime passes (ctx, env) only. */
  constructor(ctx: DurableObjectState, env: UserSessionEnv, setup: SessionSetup) {
    super(ctx, env);
    const config = backendConfig(env, setup.settings);
    const reschedule = () => this.scheduleAlarm();
    const ledger = new RunLedger(ctx.storage.sql);
    const approvals = new ApprovalLedger(ctx.storage.sql);
    this.channel = new SessionChannel(ctx);
    this.retention = new SessionRetention(ctx.storage);
    this.budget = new SessionBudget(ctx.storage, config.sessionBudget);
    this.tokens = new SocketTokens(this.channel, this.budget, env.AUTH, config, reschedule);
    this.admission = new SocketAdmission(this.channel, this.retention, this.tokens, config.maxSocketsPerSession, reschedule);
    // One D1 session (the Sessions API) for everything this object reads and writes: it starts at
    // the primary and its reads may then come from a replica, never one older than its own writes.
    let appSession: D1DatabaseSession | null = null;
    const appDb = () => appDatabase((appSession ??= env.APP_DB.withSession("first-primary")));
    this.runs = new SessionRuns(ledger, approvals, () => {
      const choice = setup.agents.choose(env);
      const db = appDb();
      if (!choice.ok) {
        const waits = new ApprovalWaits(db, approvals, this.channel, config.agentApprovalTimeoutMs, reschedule);
        return new UnavailableRuns(choice.problem, db, ledger, this.channel, waits);
      }
      return new RunQueue(db, ledger, approvals, this.channel, this.budget, choice.agent, setup.tools, env, config, reschedule);
    });
    const handler = () => new FrameHandler(appDb(), this.channel, this.runs);
    this.frames = new FrameGate(this.channel, this.budget, this.tokens, handler);
    // Before any event: what an earlier instance left unfinished is reported, or run (by the alarm).
    if (this.runs.leftByEarlierInstance()) void ctx.blockConcurrencyWhile(() => this.takeOverRuns());
  }

  override async fetch(request: Request): Promise<Response> {
    const claims = readSessionClaims(request);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !claims) {
      return new Response("Expected an authenticated WebSocket upgrade.", { status: 400 });
    }
    return this.admission.admit(request, claims);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.frames.receive(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the closing handshake: the runtime leaves the answer to the object, and a client
    // would wait for it. 1005 and 1006 say no code was sent; they may not be sent back.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    const attachment = readAttachment(ws);
    logEvent("info", "socket_closed", { session_id: attachment?.sessionId, user_id: attachment?.userId, code });
    if (this.channel.openSockets(ws).length > 0) return;
    // The last one went: the storage may go too, later (session-retention.ts).
    if (!this.retention.revoked()) this.retention.setIdleSince(Date.now());
    await this.scheduleAlarm(ws);
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    logEvent("warn", "socket_error", { error: errorKind(error) });
  }

  /**
   * One alarm for everything timed: runs an earlier instance left waiting; waits for approval that
   * ran out; while sockets are open, token deadlines (socket-tokens.ts); once none is, the
   * storage cleanup (session-retention.ts).
   */
  override async alarm(): Promise<void> {
    this.tokens.sweep(Date.now());
    if (this.retention.revoked()) await this.runs.stop();
    else {
      this.runs.startWaiting();
      await this.runs.expireApprovals(Date.now());
    }
    if (this.channel.openSockets().length > 0) return this.scheduleAlarm();
    const caches = [this.channel, this.budget, this.runs];
    await this.retention.cleanUpIdle(Date.now(), this.runs.busyUntilMs(Date.now()), this.channel, caches);
  }

  /**
   * Session sync: the auth Worker revoked this session. Its sockets close, its runs stop, and new
   * sockets are refused from now on. If D1 cannot take the dropped runs' rows now, the alarm
   * tries again (the sockets are closed either way).
   */
  async revoke(reason: string): Promise<number> {
    this.retention.markRevoked(reason, Date.now());
    const closed = this.channel.revokeAll(reason);
    await this.runs.stop().catch((error: unknown) => {
      logEvent("error", "runs_not_stopped", { error: errorKind(error) });
    });
    await this.scheduleAlarm();
    return closed;
  }

  /** Session sync: the user's email, name, verified flag or permissions changed. Counts the sockets told. */
  async userUpdated(user: PublicUser): Promise<number> {
    return this.tokens.userUpdated(user);
  }

  /**
   * A service published an event for this session's user (workers/backend/event-publish.ts): one
   * sequenced `notification`, so a socket that is away gets it on resume. A revoked session gets
   * nothing. With no socket open the alarm is set, so the log this may create is cleaned up like
   * any idle session's. Returns 1 if published, 0 if not.
   */
  async notify(name: string, data: unknown, eventId: string, threadId?: string): Promise<number> {
    if (this.retention.revoked()) return 0;
    this.channel.publish("notification", { name, data }, { threadId });
    logEvent("info", "notification_sent", { event_id: eventId, sockets: this.channel.openSockets().length });
    if (this.channel.openSockets().length === 0) await this.scheduleAlarm();
    return 1;
  }

  private async takeOverRuns(): Promise<void> {
    if (await this.runs.takeOver(this.retention.revoked() !== null)) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Now, for runs left waiting; else the earliest token deadline of an open socket (with none
   * open, the storage cleanup) or the earliest expiry of a wait for approval, whichever is first.
   */
  private async scheduleAlarm(except?: WebSocket): Promise<void> {
    const nowMs = Date.now();
    const next = this.runs.hasWaiting() ? nowMs : (this.tokens.nextWakeMs(except) ?? this.retention.cleanupAtMs(nowMs));
    const expiry = this.runs.nextApprovalExpiryMs();
    const at = next === null ? expiry : expiry === null ? next : Math.min(next, expiry);
    if (at === null) return this.ctx.storage.deleteAlarm();
    await this.ctx.storage.setAlarm(Math.max(nowMs, at));
  }
}
