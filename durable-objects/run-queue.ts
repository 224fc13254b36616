/**
 * @module
 * The session's agent runs when its agent could be made: a message becomes a run here — stored
 * with its run row in one D1 batch, acknowledged, recorded in the object's storage (run-ledger.ts)
 * until it has ended — and runs go one at a time per thread, at most `WS_MAX_CONCURRENT_RUNS` at
 * once, each with its own abort: `cancel_run` and the deadline (`AGENT_RUN_TIMEOUT_SECONDS`). What
 * a run does once it goes is run-executor.ts. A run that asked for approval leaves its thread's
 * turn and its slot while it waits (approval-waits.ts); answered, it queues for its turn again.
 */
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import type { ServerPayloads } from "@tether/protocol";
import type { BackendConfig } from "../workers/shared/backend-config.js";
import type { AppDatabase } from "../workers/app-data/db/client.js";
import type { Message } from "../workers/app-data/db/schema.js";
import { storeUserMessage } from "../workers/app-data/messages.js";
import { cancelRuns } from "../workers/app-data/runs.js";
import { findOwnThread } from "../workers/app-data/threads.js";
import type { Agent, Tool } from "./agents/agent.js";
import type { RunRequest } from "./agents/runner.js";
import type { ApprovalLedger } from "./approval-ledger.js";
import { ApprovalWaits, type ApprovalAnswer } from "./approval-waits.js";
import { RunExecutor } from "./run-executor.js";
import type { PendingRun, RunLedger } from "./run-ledger.js";
import { RunSlots } from "./run-slots.js";
import type { SessionBudget } from "./session-budget.js";
import type { SessionChannel } from "./session-channel.js";
import {
  dropRecordedRuns,
  reportInterruptedRuns,
  THREAD_NOT_FOUND,
  type Runs,
  type StopReason,
  type SubmittedMessage,
} from "./session-runs.js";

/** The settings a queue reads: `AGENT_RUN_TIMEOUT_SECONDS`, `AGENT_HISTORY_MESSAGES`, `WS_MAX_CONCURRENT_RUNS`, `AGENT_APPROVAL_TIMEOUT_SECONDS`. */
export type RunLimits = Pick<BackendConfig, "agentRunTimeoutMs" | "agentHistoryMessages" | "maxConcurrentRuns" | "agentApprovalTimeoutMs">;

export type NewRun = Omit<PendingRun, "queuedAt" | "startedAt">;

export class RunQueue implements Runs {
  /** The last run of each busy thread: the next one starts when it has ended. */
  private readonly threadTails = new Map<string, Promise<void>>();
  private readonly running = new Map<string, AbortController>();
  /** History read with the message's own write, for a run that starts at once (nothing can come between). */
  private readonly preloadedHistory = new Map<string, Message[]>();
  private readonly slots: RunSlots;
  private readonly executor: RunExecutor;
  private readonly waits: ApprovalWaits;
  /**
   * The runs an earlier instance recorded and left waiting, as the ledger held them when this
   * queue was made (before this instance added any): the only runs `runWaiting` may start. Every
   * other run of the ledger is this instance's own and already has its turn.
   */
  private inherited: PendingRun[];
  /** Set once the session is revoked: nothing starts again. */
  private stopped: StopReason | null = null;

  constructor(
    private readonly db: AppDatabase,
    private readonly ledger: RunLedger,
    approvals: ApprovalLedger,
    private readonly channel: SessionChannel,
    private readonly budget: SessionBudget,
    private readonly agent: Agent<unknown>,
    tools: readonly Tool[],
    env: unknown,
    private readonly limits: RunLimits,
    reschedule: () => Promise<void>,
  ) {
    this.slots = new RunSlots(limits.maxConcurrentRuns);
    this.waits = new ApprovalWaits(db, approvals, channel, limits.agentApprovalTimeoutMs, reschedule);
    this.executor = new RunExecutor(db, ledger, channel, this.waits, agent, tools, env, limits.agentHistoryMessages);
    this.inherited = ledger.pending().filter((run) => run.startedAt === null);
  }

  /**
   * Within the session's message budget and to a thread of the author's, the message is stored in
   * one batch with its run row (`running` if the run starts at once, else `queued`), acknowledged
   * on the stream, then run in its thread's turn. Resolves once the run has ended.
   */
  async submit(message: SubmittedMessage): Promise<void> {
    const replyTo = message.clientId;
    const reply = this.channel.reply.bind(this.channel, message.ws);
    if (!this.budget.take("runs", Date.now())) {
      const refusal = "This session has sent too many messages; wait a few seconds. The message was not stored.";
      return reply("error", { code: "rate_limited", message: refusal, retryable: true }, { replyTo });
    }
    const requestedThread = message.threadId;
    if (requestedThread !== undefined && !(await findOwnThread(this.db, message.author.userId, requestedThread))) {
      return reply("error", THREAD_NOT_FOUND, { replyTo });
    }
    // A run that starts at once (idle thread, free slot): the history read with the message is then current.
    const startsAtOnce = (requestedThread === undefined || !this.isBusy(requestedThread)) && this.slots.hasFree();
    let stored;
    try {
      stored = await storeUserMessage(
        this.db,
        message.author,
        {
          clientId: replyTo,
          content: message.content,
          threadId: requestedThread,
          agentName: this.agent.name,
          status: startsAtOnce ? "running" : "queued",
          sessionId: message.sessionId,
        },
        this.limits.agentHistoryMessages,
      );
    } catch (error) {
      logEvent("error", "message_store_failed", { error: errorKind(error) });
      const failure: ServerPayloads["error"] = {
        code: "storage_failed",
        message: "The message was not stored; send it again with the same id.",
        retryable: true,
      };
      return reply("error", failure, { replyTo });
    }
    const routing = { replyTo, threadId: stored.threadId };
    this.channel.publish("ack", { message_id: stored.messageId, thread_id: stored.threadId, duplicate: stored.duplicate }, routing);
    // Idempotence is per user (docs/protocol.md "A message runs once"): the D1 row decides. Only a resend
    // in the session that owns the run, of a run a reset left unfinished and this object no longer
    // holds, runs it again; any other resend — from this session or another — is only acknowledged.
    const orphaned =
      stored.duplicate &&
      (stored.runStatus === "running" || stored.runStatus === "queued") &&
      stored.runSessionId === message.sessionId &&
      !this.owns(stored.runId);
    if (stored.duplicate && !orphaned) return;
    await this.enqueue(
      {
        runId: stored.runId,
        messageId: stored.messageId,
        replyTo,
        threadId: stored.threadId,
        content: message.content,
        author: message.author,
      },
      startsAtOnce && !stored.duplicate ? stored.history : undefined,
    );
  }

  /** Whether a run of the thread is going or waiting: a new one would be queued. */
  private isBusy(threadId: string): boolean {
    return this.threadTails.has(threadId);
  }

  /** Whether this object is running or holding the run (as opposed to a run orphaned by a reset). */
  private owns(runId: string): boolean {
    return this.running.has(runId) || this.ledger.has(runId);
  }

  /**
   * Records the run, then runs it in its thread's turn and with a free slot; resolves once it has
   * ended. `history`, read in the message's write, is used if the run starts now; a queued run
   * reads it when its turn comes, so that it includes the replies of the runs before it.
   */
  private async enqueue(run: NewRun, history?: Message[]): Promise<void> {
    if (this.stopped) {
      // Stored just as the session was revoked: it ends with the others, never starts.
      await cancelRuns(this.db, [run.runId], "session_revoked");
      return;
    }
    const nowMs = Date.now();
    const startsNow = !this.isBusy(run.threadId) && this.slots.tryTake();
    const pending: PendingRun = { ...run, queuedAt: nowMs, startedAt: startsNow ? nowMs : null };
    this.ledger.add(pending);
    if (startsNow && history) this.preloadedHistory.set(run.runId, history);
    return this.inTurn(run.threadId, () => this.inSlot(startsNow, () => this.execute(pending)));
  }

  async cancel(runId: string): Promise<boolean> {
    const controller = this.running.get(runId);
    if (!controller) return this.waits.end(runId, "cancel_run");
    if (controller.signal.aborted) return false;
    controller.abort("cancel_run" satisfies StopReason);
    return true;
  }

  /** An answer to one of the session's approval requests; the last one of a run lets it go on, in its thread's turn. */
  async approve(answer: ApprovalAnswer): Promise<void> {
    const runId = await this.waits.answer(answer);
    if (runId === null || this.stopped) return;
    const waiting = this.waits.takeAnswered(runId);
    if (!waiting) return;
    const run = { ...waiting.run, startedAt: Date.now() };
    // Recorded as running: a reset from here on reports it interrupted, like any started run.
    this.ledger.add(run);
    const resumption = { progress: waiting.progress, approvals: { decisions: waiting.decisions, state: waiting.state } };
    await this.inTurn(run.threadId, () => this.inSlot(false, () => this.execute(run, resumption)));
  }

  expireApprovals(nowMs: number): Promise<void> {
    return this.waits.expire(nowMs);
  }

  /** Those that had started: a waiting one runs again, by the alarm (`runWaiting`). */
  reportInterrupted(): Promise<void> {
    return reportInterruptedRuns(this.db, this.ledger, this.channel, (run) => run.startedAt !== null);
  }

  /**
   * Every running run is aborted (it ends `cancelled`, reason `session_revoked`), every waiting
   * one is dropped with its row ended the same way, and nothing starts from now on. If D1 cannot
   * be reached the waiting runs stay recorded and a later call (the alarm) drops them.
   */
  async stop(): Promise<void> {
    const reason: StopReason = "session_revoked";
    this.stopped = reason;
    this.inherited = [];
    for (const controller of this.running.values()) if (!controller.signal.aborted) controller.abort(reason);
    await this.waits.endAll(reason);
    await dropRecordedRuns(
      this.db,
      this.ledger,
      this.ledger.pending().filter((run) => !this.running.has(run.runId)),
    );
  }

  hasWaiting(): boolean {
    return this.inherited.length > 0;
  }

  /**
   * Starts what an earlier instance had queued, in order, each in its thread's turn — once: the
   * list is emptied as they start, so a second alarm, a new socket or a refresh starts none again.
   */
  runWaiting(): Promise<void> {
    const waiting = this.inherited;
    this.inherited = [];
    return Promise.all(waiting.map((run) => this.inTurn(run.threadId, () => this.inSlot(false, () => this.execute(run))))).then(
      () => undefined,
    );
  }

  hasPending(): boolean {
    return this.running.size > 0 || this.ledger.pending().length > 0 || this.waits.hasWaits();
  }

  private inTurn(threadId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.threadTails.get(threadId) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.threadTails.set(threadId, next);
    return next.finally(() => {
      if (this.threadTails.get(threadId) === next) this.threadTails.delete(threadId);
    });
  }

  /** Runs `task` holding a slot: `held` when the caller already took it. */
  private async inSlot(held: boolean, task: () => Promise<void>): Promise<void> {
    if (!held) await this.slots.take();
    try {
      await task();
    } finally {
      this.slots.release();
    }
  }

  private async execute(run: PendingRun, resumption?: RunRequest<unknown>["resumption"]): Promise<void> {
    // A run starts once: not if it is going already, nor if it has ended or been dropped (its
    // ledger row is gone), nor once the session is revoked.
    if (this.stopped || this.running.has(run.runId) || !this.ledger.has(run.runId)) return;
    const controller = new AbortController();
    this.running.set(run.runId, controller);
    // A timer only while the run goes: cleared at its end, so the object can hibernate after.
    const deadline = setTimeout(() => controller.abort("deadline"), this.limits.agentRunTimeoutMs);
    try {
      await this.executor.execute(run, controller.signal, this.preloadedHistory.get(run.runId), resumption);
    } finally {
      clearTimeout(deadline);
      this.running.delete(run.runId);
      this.preloadedHistory.delete(run.runId);
      this.ledger.end(run.runId);
    }
  }
}
