/**
 * @module
 * The app database's record of tool approvals (docs/tools.md, "Tools that ask first"): what a
 * run asked, what the person answered, and the run row's `awaiting_approval` while it waits. Each
 * change is one batch, so the run row and its approvals never disagree.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { AppDatabase } from "./db/client.js";
import { agentRuns, toolApprovals, type ApprovalStatus } from "./db/schema.js";

export interface RequestedApproval {
  approvalId: string;
  callId: string;
  toolName: string;
  input: unknown;
}

/** The run asked: its approvals recorded pending, its row `awaiting_approval` (a row still running only). */
export async function storeApprovalRequests(
  db: AppDatabase,
  run: { runId: string; userId: string },
  requests: readonly RequestedApproval[],
  nowMs: number,
): Promise<void> {
  const rows = requests.map((request) => ({
    id: request.approvalId,
    runId: run.runId,
    userId: run.userId,
    callId: request.callId,
    toolName: request.toolName,
    input: JSON.stringify(request.input ?? null),
    status: "pending" as const,
    requestedAt: nowMs,
  }));
  await db.batch([
    db.insert(toolApprovals).values(rows),
    db
      .update(agentRuns)
      .set({ status: "awaiting_approval" })
      .where(and(eq(agentRuns.id, run.runId), eq(agentRuns.status, "running"))),
  ]);
}

/**
 * One answer: the approval decided (only while pending), and — when it was the run's last open
 * question (`resumes`) — the run row `running` again.
 */
export async function storeApprovalDecision(
  db: AppDatabase,
  answer: { approvalId: string; runId: string; approved: boolean; reason: string | undefined; answerId: string; resumes: boolean },
  nowMs: number,
): Promise<void> {
  const decided = db
    .update(toolApprovals)
    .set({ status: answer.approved ? "approved" : "denied", reason: answer.reason ?? null, answerId: answer.answerId, decidedAt: nowMs })
    .where(and(eq(toolApprovals.id, answer.approvalId), eq(toolApprovals.status, "pending")));
  if (!answer.resumes) {
    await decided;
    return;
  }
  const running = db
    .update(agentRuns)
    .set({ status: "running" })
    .where(and(eq(agentRuns.id, answer.runId), eq(agentRuns.status, "awaiting_approval")));
  await db.batch([decided, running]);
}

/**
 * The thread of an approval that `answerId` answered in a run of `sessionId`: a client resending
 * its answer after the run went on (the object holds the approval no more) is told it was a duplicate.
 */
export async function answeredBy(db: AppDatabase, approvalId: string, answerId: string, sessionId: string): Promise<string | null> {
  const [row] = await db
    .select({ threadId: agentRuns.threadId })
    .from(toolApprovals)
    .innerJoin(agentRuns, eq(agentRuns.id, toolApprovals.runId))
    .where(and(eq(toolApprovals.id, approvalId), eq(toolApprovals.answerId, answerId), eq(agentRuns.sessionId, sessionId)))
    .limit(1);
  return row?.threadId ?? null;
}

/** A waiting run ended without all its answers: what is still pending becomes `status`. */
export async function closeOpenApprovals(
  db: AppDatabase,
  runIds: string[],
  status: Extract<ApprovalStatus, "expired" | "cancelled">,
): Promise<void> {
  if (runIds.length === 0) return;
  await db
    .update(toolApprovals)
    .set({ status, decidedAt: Date.now() })
    .where(and(inArray(toolApprovals.runId, runIds), eq(toolApprovals.status, "pending")));
}
