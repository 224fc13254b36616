/**
 * @module
 * The session's runs as the rest of the object sees them: one {@link Runs} interface, served by the
 * run queue (run-queue.ts) when the app's agent could be made, and by {@link UnavailableRuns} when
 * it could not. The object holds them as {@link SessionRuns}, made on first use: a socket that only
 * connects never needs them, nor D1.
 */
import type { ServerPayloads } from "@tether/protocol";
import type { AppDatabase } from "../workers/app-data/db/client.js";
import { cancelRuns, storeRunOutcome } from "../workers/app-data/runs.js";
import type { MessageAuthor } from "../workers/app-data/users.js";
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import type { ApprovalLedger } from "./approval-ledger.js";
import type { ApprovalAnswer, ApprovalWaits } from "./approval-waits.js";
import type { PendingRun, RunLedger } from "./run-ledger.js";
import type { SessionChannel } from "./session-channel.js";

/** A `user_message` its socket may send (its permissions checked), and where it came from. */
export interface SubmittedMessage {
  ws: WebSocket;
  /** The client's id of the message: its idempotency key, and the `reply_to` of every answer and run event. */
  clientId: string;
  content: string;
  threadId: string | undefined;
  /** The login session (`sid`) whose object this is: it owns the message's run. */
  sessionId: string;
  author: MessageAuthor;
}

/** Why a run was stopped from outside it: the user's `cancel_run`, or the session's revocation. */
export type StopReason = "cancel_run" | "session_revoked";

export interface Runs {
  /** A message: stored with its run in one D1 batch, acknowledged, run in its thread's turn; or refused with an `error`. */
  submit(message: SubmittedMessage): Promise<void>;
  /** Aborts a running run, or ends one waiting for approval; false if there is none by that id (finished, unknown, or queued). */
  cancel(runId: string): Promise<boolean>;
  /** An `approve_tool`: stored and acknowledged, or refused with an `error`; the run goes on once all its questions are answered. */
  approve(answer: ApprovalAnswer): Promise<void>;
  /** The alarm: waits for approval that have run out end the run (`approval_expired`). */
  expireApprovals(nowMs: number): Promise<void>;
  /** After a reset of the object: the recorded runs that cannot go on are reported `run_interrupted`. */
  reportInterrupted(): Promise<void>;
  /** The session was revoked (docs/protocol.md "Revocation stops work"): the running aborted, the waiting dropped. */
  stop(): Promise<void>;
  /** Whether runs an earlier instance queued wait to start (after `reportInterrupted`). */
  hasWaiting(): boolean;
  /** Starts those, each in its thread's turn, once. */
  runWaiting(): Promise<void>;
  /** Whether a run is going or recorded (queued, running, or waiting for approval): the object's storage must stay until it has ended. */
  hasPending(): boolean;
}

export const THREAD_NOT_FOUND: ServerPayloads["error"] = { code: "thread_not_found", message: "No such thread.", retryable: false };

/**
 * The runs of a session whose agent could not be made (an `AGENT` that names no agent, a factory
 * that threw): every message is refused with `agent_unavailable` and not stored, until the
 * configuration is fixed. What an earlier instance recorded can never run here: it is reported
 * interrupted, or dropped on revocation.
 */
export class UnavailableRuns implements Runs {
  constructor(
    private readonly problem: string,
    private readonly db: AppDatabase,
    private readonly ledger: RunLedger,
    private readonly channel: SessionChannel,
    /** What waits for approval can only end here (cancel, expiry, revocation): no agent can go on with it. */
    private readonly waits: ApprovalWaits,
  ) {}

  private refuse(ws: WebSocket, replyTo: string, what: string): void {
    logEvent("error", "agent_unavailable", { problem: this.problem });
    const refusal = `No agent is configured for this deployment; the ${what} was not stored.`;
    this.channel.reply(ws, "error", { code: "agent_unavailable", message: refusal, retryable: true }, { replyTo });
  }

  async submit(message: SubmittedMessage): Promise<void> {
    this.refuse(message.ws, message.clientId, "message");
  }

  cancel(runId: string): Promise<boolean> {
    return this.waits.end(runId, "cancel_run");
  }

  async approve(answer: ApprovalAnswer): Promise<void> {
    this.refuse(answer.ws, answer.clientId, "answer");
  }

  expireApprovals(nowMs: number): Promise<void> {
    return this.waits.expire(nowMs);
  }

  reportInterrupted(): Promise<void> {
    return reportInterruptedRuns(this.db, this.ledger, this.channel, () => true);
  }

  async stop(): Promise<void> {
    await this.waits.endAll("session_revoked");
    await dropRecordedRuns(this.db, this.ledger, this.ledger.pending());
  }

  hasWaiting(): boolean {
    return false;
  }

  async runWaiting(): Promise<void> {}

  hasPending(): boolean {
    return this.ledger.pending().length > 0 || this.waits.hasWaits();
  }
}

/** How long to look again when cleanup must wait for a run still in flight. */
const RUN_IN_FLIGHT_RECHECK_MS = 60_000;

/** The object's runs, made on first use by `make`; until then they answer from the ledgers alone. */
export class SessionRuns implements Runs {
  private made: Runs | null = null;

  constructor(
    private readonly ledger: RunLedger,
    private readonly approvals: ApprovalLedger,
    private readonly make: () => Runs,
  ) {}

  private get runs(): Runs {
    this.made ??= this.make();
    return this.made;
  }

  submit(message: SubmittedMessage): Promise<void> {
    return this.runs.submit(message);
  }

  cancel(runId: string): Promise<boolean> {
    return this.runs.cancel(runId);
  }

  approve(answer: ApprovalAnswer): Promise<void> {
    return this.runs.approve(answer);
  }

  async expireApprovals(nowMs: number): Promise<void> {
    if (this.approvals.expiredRunIds(nowMs).length === 0) return;
    await this.runs.expireApprovals(nowMs);
  }

  /** When the earliest wait for approval runs out: the object's alarm must fire by then. */
  nextApprovalExpiryMs(): number | null {
    return this.approvals.nextExpiryMs();
  }

  /**
   * Until when the storage must stay for the runs: a minute on while one is going or recorded
   * (then look again), the earliest expiry while runs only wait for approval; null when none is.
   */
  busyUntilMs(nowMs: number): number | null {
    // Every run that is going is in the ledger from before it starts until it has ended.
    if (this.ledger.pending().length > 0) return nowMs + RUN_IN_FLIGHT_RECHECK_MS;
    return this.approvals.nextExpiryMs();
  }

  reportInterrupted(): Promise<void> {
    return this.runs.reportInterrupted();
  }

  async stop(): Promise<void> {
    if (this.made === null && this.ledger.pending().length === 0) return;
    await this.runs.stop();
  }

  hasWaiting(): boolean {
    return this.made?.hasWaiting() ?? false;
  }

  async runWaiting(): Promise<void> {
    await this.made?.runWaiting();
  }

  hasPending(): boolean {
    return this.made?.hasPending() ?? (this.ledger.pending().length > 0 || this.approvals.nextExpiryMs() !== null);
  }

  /** Whether an earlier instance of the object left runs recorded. */
  leftByEarlierInstance(): boolean {
    return this.ledger.pending().length > 0;
  }

  /**
   * What an earlier instance left, before any event reaches this one: a revoked session's runs
   * stopped; otherwise those that cannot go on reported. True when some wait for the alarm to run them.
   */
  async takeOver(revoked: boolean): Promise<boolean> {
    if (revoked) {
      await this.stop();
      return false;
    }
    await this.runs.reportInterrupted();
    return this.runs.hasWaiting();
  }

  /**
   * Starts what an earlier instance left queued, without awaiting it: an alarm that waited for
   * runs would hold every later alarm (token warnings, cleanup) behind them. The runs keep the
   * object awake while they go (each has its deadline timer); each reports its own failure.
   */
  startWaiting(): void {
    if (!this.hasWaiting()) return;
    this.runWaiting().catch((error: unknown) => {
      logEvent("error", "waiting_runs_failed", { error: errorKind(error) });
    });
  }

  /** After the storage was deleted (session-retention.ts): the ledger's table went, and the runs are made anew. */
  forget(): void {
    this.made = null;
    this.ledger.forget();
    this.approvals.forget();
  }
}

/**
 * Ends recorded runs that will never start, their session revoked: each row `cancelled` with
 * reason `session_revoked`, then gone from the ledger (only once D1 has it: otherwise they stay
 * recorded, and the next try drops them).
 */
export async function dropRecordedRuns(db: AppDatabase, ledger: RunLedger, runs: PendingRun[]): Promise<void> {
  await cancelRuns(
    db,
    runs.map((run) => run.runId),
    "session_revoked" satisfies StopReason,
  );
  for (const run of runs) ledger.end(run.runId);
}

/**
 * After a reset of the object, each run `which` picks (those that had started; all of them when
 * no agent can run the rest) is reported: `error run_interrupted`, its row failed. If D1 cannot be
 * reached it stays recorded, and the next start of the object tries again.
 */
export async function reportInterruptedRuns(
  db: AppDatabase,
  ledger: RunLedger,
  channel: SessionChannel,
  which: (run: PendingRun) => boolean,
): Promise<void> {
  for (const run of ledger.pending().filter(which)) {
    try {
      const outcome = { status: "failed" as const, error: "interrupted: the session object was reset" };
      const record = {
        runId: run.runId,
        userId: run.author.userId,
        threadId: run.threadId,
        durationMs: Date.now() - (run.startedAt ?? run.queuedAt),
      };
      await storeRunOutcome(db, record, outcome);
    } catch {
      continue;
    }
    const interrupted: ServerPayloads["error"] = {
      code: "run_interrupted",
      message: "The agent run was interrupted; send your message again.",
      retryable: true,
    };
    channel.publish("error", interrupted, { replyTo: run.replyTo, threadId: run.threadId });
    ledger.end(run.runId);
  }
}
