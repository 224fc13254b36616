/**
 * @module
 * The app database's agent runs, after the batch that stored each with its message
 * (messages.ts): started, ended with an outcome (and the agent's reply), or cancelled unstarted.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "./db/client.js";
import { agentRuns, messages, threads } from "./db/schema.js";

/** A queued run's turn came: its row says so, and when (never a row that has already ended). */
export async function markRunStarted(db: AppDatabase, runId: string): Promise<void> {
  await db
    .update(agentRuns)
    .set({ status: "running", startedAt: Date.now() })
    .where(and(eq(agentRuns.id, runId), eq(agentRuns.status, "queued")));
}

export type StoredOutcome =
  { status: "completed"; result: string } | { status: "cancelled"; result: string; reason: string } | { status: "failed"; error: string };

/** A run row that has not ended yet: an outcome is stored once, and a later one changes nothing. */
const OPEN_STATUSES = ["queued", "running", "awaiting_approval"] as const;
const stillOpen = (runId: string) => and(eq(agentRuns.id, runId), inArray(agentRuns.status, OPEN_STATUSES));

/**
 * The run's outcome, one more batch: the agent's reply as a message (for a cancelled run, what it
 * had written, if anything) and the run row's status. Only the first outcome of a run counts: a
 * failure reported after the run completed (or a second cancel) leaves the row and adds no reply.
 */
export async function storeRunOutcome(
  db: AppDatabase,
  run: { runId: string; userId: string; threadId: string; durationMs: number },
  outcome: StoredOutcome,
): Promise<void> {
  const nowMs = Date.now();
  const finished = { completedAt: nowMs, durationMs: run.durationMs };
  if (outcome.status === "failed") {
    await db
      .update(agentRuns)
      .set({ status: "failed", error: outcome.error, ...finished })
      .where(stillOpen(run.runId));
    return;
  }
  const runRow = db
    .update(agentRuns)
    .set({ status: outcome.status, result: outcome.result, error: outcome.status === "cancelled" ? outcome.reason : null, ...finished })
    .where(stillOpen(run.runId));
  if (outcome.result.length === 0) {
    await runRow;
    return;
  }
  // Columns in table order: id, user_id, thread_id, client_id, role, content, created_at. The reply
  // first, while the run row still shows whether this is its first outcome.
  const reply = db.insert(messages).select(
    sql`SELECT ${crypto.randomUUID()}, ${run.userId}, ${run.threadId}, NULL, 'assistant', ${outcome.result}, ${nowMs}
            WHERE EXISTS (SELECT 1 FROM ${agentRuns} WHERE ${stillOpen(run.runId)})`,
  );
  await db.batch([reply, runRow, db.update(threads).set({ updatedAt: nowMs }).where(eq(threads.id, run.threadId))]);
}

/** Runs that will never start (their session was revoked): each open row ends `cancelled` with `reason`. */
export async function cancelRuns(db: AppDatabase, runIds: string[], reason: string): Promise<void> {
  if (runIds.length === 0) return;
  const nowMs = Date.now();
  await db
    .update(agentRuns)
    .set({ status: "cancelled", error: reason, result: "", completedAt: nowMs })
    .where(and(inArray(agentRuns.id, runIds), inArray(agentRuns.status, OPEN_STATUSES)));
}
