/**
 * @module
 * The session's agent runs: one at a time per thread, each recorded in the object's storage
 * (run-ledger.ts) from the moment its message is acknowledged until it has ended, each with its
 * own abort — `cancel_run` and the deadline (`AGENT_RUN_TIMEOUT_SECONDS`). A run's events go out
 * through the runner (agents/runner.ts); its outcome is stored, then `agent_completed` is sent.
 */
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import type { ServerPayloads } from "@tether/protocol";
import type { AppDatabase } from "../workers/app-data/db/client.js";
import { threadMessages } from "../workers/app-data/messages.js";
import { cancelRuns, markRunStarted, storeRunOutcome } from "../workers/app-data/runs.js";
import type { Message } from "../workers/app-data/db/schema.js";
import type { Agent, HistoryMessage, Tool } from "./agents/agent.js";
import { runAgent, type RunOutcome } from "./agents/runner.js";
import { toolbox } from "./agents/toolbox.js";
import type { PendingRun, RunLedger } from "./run-ledger.js";
import { RunSlots } from "./run-slots.js";
import type { SessionChannel } from "./session-channel.js";

export interface RunLimits {
  runTimeoutMs: number;
  historyMessages: number;
  /** Runs of the session that go at once (`WS_MAX_CONCURRENT_RUNS`). */
  maxConcurrentRuns: number;
}

export type NewRun = Omit<PendingRun, "queuedAt" | "startedAt">;

/** Why a run was stopped from outside it: the user's `cancel_run`, or the session's revocation. */
export type StopReason = "cancel_run" | "session_revoked";

export class RunQueue {
  /** The last run of each busy thread: the next one starts when it has ended. */
  private readonly threadTails = new Map<string, Promise<void>>();
  private readonly running = new Map<string, AbortController>();
  /** History read with the message's own write, for a run that starts at once (nothing can come between). */
  private readonly preloadedHistory = new Map<string, Message[]>();
  private readonly slots: RunSlots;
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
    private readonly channel: SessionChannel,
    private readonly agent: Agent<unknown>,
    private readonly tools: readonly Tool[],
    private readonly env: unknown,
    private readonly limits: RunLimits,
  ) {
    this.slots = new RunSlots(limits.maxConcurrentRuns);
    this.inherited = ledger.pending().filter((run) => run.startedAt === null);
  }

  get agentName(): string {
    return this.agent.name;
  }

  /** How many earlier messages of its thread a run is given (`AGENT_HISTORY_MESSAGES`). */
  get historyLimit(): number {
    return this.limits.historyMessages;
  }

  /** Whether a run of the thread is going or waiting: a new one would be queued. */
  isBusy(threadId: string): boolean {
    return this.threadTails.has(threadId);
  }

  /** Whether a new run of the thread (a new thread: undefined) would start at once rather than wait. */
  startsAtOnce(threadId: string | undefined): boolean {
    return (threadId === undefined || !this.isBusy(threadId)) && this.slots.hasFree();
  }

  /** Whether this object is running or holding the run (as opposed to a run orphaned by a reset). */
  owns(runId: string): boolean {
    return this.running.has(runId) || this.ledger.has(runId);
  }

  /**
   * Records the run, then runs it in its thread's turn and with a free slot; resolves once it has
   * ended. `history`, read in the message's write, is used if the run starts now; a queued run
   * reads it when its turn comes, so that it includes the replies of the runs before it.
   */
  async enqueue(run: NewRun, history?: Message[]): Promise<void> {
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

  /** Aborts a running run; false if there is none by that id (finished, unknown, or still waiting). */
  cancel(runId: string): boolean {
    const controller = this.running.get(runId);
    if (!controller || controller.signal.aborted) return false;
    controller.abort("cancel_run" satisfies StopReason);
    return true;
  }

  /**
   * The session was revoked (docs/protocol.md "Revocation stops work"): every running run is aborted
   * (it ends `cancelled`, reason `session_revoked`), every waiting one is dropped with its row
   * ended the same way, and nothing starts from now on. If D1 cannot be reached the waiting runs
   * stay recorded and a later call (the alarm) drops them.
   */
  async stop(): Promise<void> {
    const reason: StopReason = "session_revoked";
    this.stopped = reason;
    this.inherited = [];
    for (const controller of this.running.values()) if (!controller.signal.aborted) controller.abort(reason);
    await dropRecordedRuns(
      this.db,
      this.ledger,
      this.ledger.pending().filter((run) => !this.running.has(run.runId)),
    );
  }

  /** Whether runs are waiting that an earlier instance queued (after `reportInterrupted`). */
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
    return this.running.size > 0 || this.ledger.pending().length > 0;
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

  private record(run: PendingRun) {
    return { runId: run.runId, userId: run.author.userId, threadId: run.threadId };
  }

  private async execute(run: PendingRun): Promise<void> {
    // A run starts once: not if it is going already, nor if it has ended or been dropped (its
    // ledger row is gone), nor once the session is revoked.
    if (this.stopped || this.running.has(run.runId) || !this.ledger.has(run.runId)) return;
    const controller = new AbortController();
    this.running.set(run.runId, controller);
    // A timer only while the run goes: cleared at its end, so the object can hibernate after.
    const deadline = setTimeout(() => controller.abort("deadline"), this.limits.runTimeoutMs);
    const routing = { replyTo: run.replyTo, threadId: run.threadId };
    const startedAt = Date.now();
    try {
      if (run.startedAt === null) {
        this.ledger.start(run.runId, startedAt);
        await markRunStarted(this.db, run.runId).catch(() => undefined);
      }
      const outcome = await runAgent({
        agent: this.agent,
        runId: run.runId,
        threadId: run.threadId,
        message: { id: run.messageId, content: run.content },
        user: { id: run.author.userId, email: run.author.email, name: run.author.name, emailVerified: run.author.emailVerified },
        tools: toolbox(this.tools, controller.signal),
        env: this.env,
        signal: controller.signal,
        history: () => this.history(run),
        publish: (type, payload) => this.channel.publish(type, payload, routing),
      });
      await storeRunOutcome(this.db, { ...this.record(run), durationMs: outcome.durationMs }, storedOutcome(outcome));
      this.channel.publish(
        "agent_completed",
        {
          run_id: run.runId,
          agent_name: this.agent.name,
          duration_ms: outcome.durationMs,
          result: outcome.result,
          metrics: outcome.metrics,
          status: outcome.status,
          ...(outcome.status === "cancelled" ? { reason: outcome.reason } : {}),
        },
        routing,
      );
    } catch (error) {
      // The error's kind, not its text: a model's error message may quote the conversation.
      logEvent("error", "agent_run_failed", {
        run_id: run.runId,
        agent: this.agent.name,
        error: errorKind(error),
      });
      const failed = { status: "failed" as const, error: error instanceof Error ? error.message.slice(0, 500) : "the run failed" };
      await storeRunOutcome(this.db, { ...this.record(run), durationMs: Date.now() - startedAt }, failed).catch(() => undefined);
      this.channel.publish("error", { code: "run_failed", message: "The agent run failed.", retryable: true }, routing);
    } finally {
      clearTimeout(deadline);
      this.running.delete(run.runId);
      this.preloadedHistory.delete(run.runId);
      this.ledger.end(run.runId);
    }
  }

  /** The thread's messages before this one, oldest first. */
  private async history(run: PendingRun): Promise<HistoryMessage[]> {
    if (this.limits.historyMessages === 0) return [];
    const earlier =
      this.preloadedHistory.get(run.runId) ?? (await threadMessages(this.db, run.threadId, this.limits.historyMessages, run.messageId));
    return earlier.map((message) => ({
      role: message.role,
      content: message.content,
      createdAt: new Date(message.createdAt).toISOString(),
    }));
  }
}

function storedOutcome(outcome: RunOutcome) {
  return outcome.status === "completed"
    ? { status: "completed" as const, result: outcome.result }
    : { status: "cancelled" as const, result: outcome.result, reason: outcome.reason };
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
