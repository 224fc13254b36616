/**
 * @module
 * One run, once its thread's turn and a slot have come (run-queue.ts): its row marked started if
 * it had waited, the agent run through the runner (agents/runner.ts) with every event going
 * straight onto the session's stream, then the outcome stored and only then `agent_completed`, so
 * the last event goes out once the run is durable. A run that throws is failed: `error run_failed`.
 * A run that asked for approval ends its segment waiting (approval-waits.ts); once answered it
 * comes back here with its `resumption`.
 */
import type { AppDatabase } from "../workers/app-data/db/client.js";
import type { Message } from "../workers/app-data/db/schema.js";
import { threadMessages } from "../workers/app-data/messages.js";
import { markRunStarted, storeRunOutcome } from "../workers/app-data/runs.js";
import { logEvent } from "../workers/shared/request-log.js";
import type { Agent, HistoryMessage, Tool } from "./agents/agent.js";
import { runFailure } from "./agents/run-failure.js";
import { runAgent, type RunOutcome, type RunRequest } from "./agents/runner.js";
import type { ApprovalWaits } from "./approval-waits.js";
import { toolbox } from "./agents/toolbox.js";
import type { PendingRun, RunLedger } from "./run-ledger.js";
import type { SessionChannel } from "./session-channel.js";

/** What the client reads of any failure; `retryable` says whether sending the message again may help. */
const RUN_FAILED_MESSAGE = "The agent run failed.";
export class RunExecutor {
  /** @param historyMessages how many earlier messages of its thread a run is given (`AGENT_HISTORY_MESSAGES`). */
  constructor(
    private readonly db: AppDatabase,
    private readonly ledger: RunLedger,
    private readonly channel: SessionChannel,
    private readonly waits: ApprovalWaits,
    private readonly agent: Agent<unknown>,
    private readonly tools: readonly Tool[],
    private readonly env: unknown,
    private readonly historyMessages: number,
  ) {}

  /**
   * Runs `run` until it ends, waits for approval, or `signal` fires (cancel, deadline,
   * revocation); `preloaded` is its history if read with its message.
   */
  async execute(
    run: PendingRun,
    signal: AbortSignal,
    preloaded: Message[] | undefined,
    resumption?: RunRequest<unknown>["resumption"],
  ): Promise<void> {
    const routing = { replyTo: run.replyTo, threadId: run.threadId };
    const record = { runId: run.runId, userId: run.author.userId, threadId: run.threadId };
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
        tools: toolbox(this.tools, signal, resumption?.approvals.decisions),
        env: this.env,
        signal,
        history: () => this.history(run, preloaded),
        publish: this.channel.publisher(routing),
        ...(resumption ? { resumption } : {}),
      });
      if (outcome.status === "awaiting_approval") return await this.waits.begin(run, this.agent.name, outcome);
      await storeRunOutcome(this.db, { ...record, durationMs: outcome.durationMs }, storedOutcome(outcome));
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
      // The cause's class and status, never its text: a model's error message may quote the conversation.
      const failure = runFailure(error);
      logEvent("error", "agent_run_failed", {
        run_id: run.runId,
        agent: this.agent.name,
        error: failure.kind,
        status: failure.status,
        retryable: failure.retryable,
      });
      const failed = { status: "failed" as const, error: error instanceof Error ? error.message.slice(0, 500) : "the run failed" };
      await storeRunOutcome(this.db, { ...record, durationMs: Date.now() - startedAt }, failed).catch(() => undefined);
      this.channel.publish("error", { code: "run_failed", message: RUN_FAILED_MESSAGE, retryable: failure.retryable }, routing);
    }
  }

  /** The thread's messages before this one, oldest first. */
  private async history(run: PendingRun, preloaded: Message[] | undefined): Promise<HistoryMessage[]> {
    if (this.historyMessages === 0) return [];
    const earlier = preloaded ?? (await threadMessages(this.db, run.threadId, this.historyMessages, run.messageId));
    return earlier.map((message) => ({
      role: message.role,
      content: message.content,
      createdAt: new Date(message.createdAt).toISOString(),
    }));
  }
}

function storedOutcome(outcome: Exclude<RunOutcome, { status: "awaiting_approval" }>) {
  return outcome.status === "completed"
    ? { status: "completed" as const, result: outcome.result }
    : { status: "cancelled" as const, result: outcome.result, reason: outcome.reason };
}
