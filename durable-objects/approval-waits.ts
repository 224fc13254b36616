/**
 * @module
 * A session's runs that wait for approval, from the request to the answer or the end
 * (docs/tools.md, "Tools that ask first"). A run that asked is recorded in the object's storage
 * (approval-ledger.ts) and in D1 (its row `awaiting_approval`, its approvals pending) before the
 * `tool_approval_requested` events go out; an `approve_tool` is claimed in storage, stored in one
 * D1 batch, acknowledged on the shared stream, and — once the run's last question is answered —
 * handed back to the queue to go on. A wait nobody answers ends on the object's alarm.
 */
import type { ServerPayloads } from "@tether/protocol";
import { answeredBy, closeOpenApprovals, storeApprovalDecision, storeApprovalRequests } from "../workers/app-data/approvals.js";
import type { AppDatabase } from "../workers/app-data/db/client.js";
import { storeRunOutcome } from "../workers/app-data/runs.js";
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import type { RunOutcome } from "./agents/runner.js";
import type { ApprovalDecision } from "./agents/agent.js";
import type { ApprovalLedger, WaitingRun } from "./approval-ledger.js";
import type { PendingRun } from "./run-ledger.js";
import type { SessionChannel } from "./session-channel.js";

/** An `approve_tool` frame as the runs get it. */
export interface ApprovalAnswer {
  ws: WebSocket;
  /** The frame's id: `reply_to` of the `ack`, and what makes a resend of the same answer a duplicate. */
  clientId: string;
  /** The login session whose object this is: only its own runs' approvals are its to answer. */
  sessionId: string;
  approvalId: string;
  approved: boolean;
  reason: string | undefined;
}

/** Why a waiting run ended without going on. */
export type WaitEnd = "cancel_run" | "session_revoked" | "approval_expired";

export const APPROVAL_NOT_FOUND: ServerPayloads["error"] = {
  code: "approval_not_found",
  message: "No open approval of this session by that id: it was answered, it expired, or it is not this session's.",
  retryable: false,
};

export class ApprovalWaits {
  /**
   * Runs being settled by this instance: answered and about to go on, or being ended. Either
   * awaits D1, and the other must not act on the same run meanwhile.
   */
  private readonly settling = new Set<string>();

  /**
   * @param timeoutMs how long a run waits for its answers (`AGENT_APPROVAL_TIMEOUT_SECONDS`).
   * @param reschedule sets the object's alarm again, for the new earliest expiry.
   */
  constructor(
    private readonly db: AppDatabase,
    private readonly ledger: ApprovalLedger,
    private readonly channel: SessionChannel,
    private readonly timeoutMs: number,
    private readonly reschedule: () => Promise<void>,
  ) {}

  /** The run asked: recorded here and in D1, then each request goes out as `tool_approval_requested`. */
  async begin(run: PendingRun, agentName: string, outcome: Extract<RunOutcome, { status: "awaiting_approval" }>): Promise<void> {
    const requests = outcome.requests.map((request) => ({ ...request, approvalId: crypto.randomUUID() }));
    const nowMs = Date.now();
    this.ledger.wait({ run, agentName, progress: outcome.progress, state: outcome.state, expiresAtMs: nowMs + this.timeoutMs }, requests);
    // The wait holds in the object's storage either way; D1 keeps the record of who allowed what.
    await storeApprovalRequests(this.db, { runId: run.runId, userId: run.author.userId }, requests, nowMs).catch((error: unknown) => {
      logEvent("error", "approval_request_not_stored", { run_id: run.runId, error: errorKind(error) });
    });
    const routing = { replyTo: run.replyTo, threadId: run.threadId };
    for (const request of requests) {
      this.channel.publish(
        "tool_approval_requested",
        { run_id: run.runId, call_id: request.callId, approval_id: request.approvalId, tool_name: request.toolName, input: request.input },
        routing,
      );
    }
    await this.reschedule();
  }

  /**
   * An answer from any socket of the session. Returns the run to go on with when this was its last
   * open question; null when it was refused (`approval_not_found`, `storage_failed`) or others remain.
   */
  async answer(answer: ApprovalAnswer): Promise<string | null> {
    const reply = this.channel.reply.bind(this.channel, answer.ws);
    const routing = { replyTo: answer.clientId };
    const approval = this.ledger.find(answer.approvalId);
    // The same frame again (a client's resend), while the run waits or after it went on: acknowledged, nothing more.
    const resentTo =
      approval?.decision?.answerId === answer.clientId
        ? approval.threadId
        : approval
          ? null
          : await answeredBy(this.db, answer.approvalId, answer.clientId, answer.sessionId).catch(() => null);
    if (resentTo !== null) {
      reply("ack", { message_id: answer.approvalId, thread_id: resentTo, duplicate: true }, { ...routing, threadId: resentTo });
      return null;
    }
    if (!approval || approval.decision || approval.expiresAtMs <= Date.now() || this.settling.has(approval.runId)) {
      reply("error", APPROVAL_NOT_FOUND, routing);
      return null;
    }
    // Claimed in storage before the first await: a second answer from another socket finds it decided.
    const decision = {
      approved: answer.approved,
      answerId: answer.clientId,
      ...(answer.reason === undefined ? {} : { reason: answer.reason }),
    };
    const resumes = this.ledger.decide(approval.approvalId, decision);
    if (resumes) this.settling.add(approval.runId);
    try {
      await storeApprovalDecision(
        this.db,
        {
          approvalId: approval.approvalId,
          runId: approval.runId,
          approved: answer.approved,
          reason: answer.reason,
          answerId: answer.clientId,
          resumes,
        },
        Date.now(),
      );
    } catch (error) {
      this.ledger.undecide(approval.approvalId);
      this.settling.delete(approval.runId);
      logEvent("error", "approval_answer_not_stored", { run_id: approval.runId, error: errorKind(error) });
      const failure = { code: "storage_failed" as const, message: "The answer was not stored; send it again.", retryable: true };
      reply("error", failure, routing);
      return null;
    }
    this.channel.publish(
      "ack",
      { message_id: approval.approvalId, thread_id: approval.threadId, duplicate: false },
      { ...routing, threadId: approval.threadId },
    );
    return resumes ? approval.runId : null;
  }

  /**
   * Ends a waiting run without going on: its row `cancelled` with `reason` (what it had written
   * kept), its open approvals closed, and `agent_completed` with `status: "cancelled"`. False if
   * no run of this session waits by that id.
   */
  async end(runId: string, reason: WaitEnd): Promise<boolean> {
    if (this.settling.has(runId)) return false;
    const waiting = this.ledger.read(runId);
    if (!waiting) return false;
    this.settling.add(runId);
    try {
      await this.close(waiting, reason);
    } finally {
      this.settling.delete(runId);
    }
    return true;
  }

  /** The answered run goes on: it leaves the ledger (the queue records it as running). */
  takeAnswered(runId: string): (WaitingRun & { decisions: ApprovalDecision[] }) | null {
    const waiting = this.ledger.read(runId);
    this.ledger.remove(runId);
    this.settling.delete(runId);
    return waiting;
  }

  private async close(waiting: WaitingRun, reason: WaitEnd): Promise<void> {
    const runId = waiting.run.runId;
    const { run, progress, agentName } = waiting;
    const durationMs = Date.now() - progress.startedAt;
    try {
      await closeOpenApprovals(this.db, [runId], reason === "approval_expired" ? "expired" : "cancelled");
      await storeRunOutcome(
        this.db,
        { runId, userId: run.author.userId, threadId: run.threadId, durationMs },
        { status: "cancelled", result: progress.text, reason },
      );
    } catch (error) {
      // Still recorded: the next alarm, revocation or cancel ends it again.
      logEvent("error", "waiting_run_not_ended", { run_id: runId, error: errorKind(error) });
      throw error;
    }
    this.ledger.remove(runId);
    this.channel.publish(
      "agent_completed",
      {
        run_id: runId,
        agent_name: agentName,
        duration_ms: durationMs,
        result: progress.text,
        metrics: { tool_calls: progress.toolCalls, thoughts: progress.thoughts },
        status: "cancelled",
        reason,
      },
      { replyTo: run.replyTo, threadId: run.threadId },
    );
  }

  hasWaits(): boolean {
    return this.ledger.nextExpiryMs() !== null;
  }

  /** The alarm: every wait that has run out ends `approval_expired`. */
  async expire(nowMs: number): Promise<void> {
    for (const runId of this.ledger.expiredRunIds(nowMs)) await this.end(runId, "approval_expired");
  }

  /** Revocation: every waiting run ends. */
  async endAll(reason: WaitEnd): Promise<void> {
    for (const runId of this.ledger.waitingRunIds()) await this.end(runId, reason);
  }
}
