/**
 * @module
 * The D1 writes of the session object. D1 refuses BEGIN, so there are no interactive
 * transactions; each function here is one `db.batch()`, which D1 runs atomically: all rows or none.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "./db/client.js";
import { agentRuns, messages, threads, users, type Message, type RunStatus } from "./db/schema.js";
import { threadMessagesNewestFirst } from "./threads.js";

export interface MessageAuthor {
  userId: string;
  email: string;
  name: string;
  emailVerified: boolean;
}

/** The backend's mirror of the user, as the latest token (or session sync) describes them. */
export function upsertUser(db: AppDatabase, author: MessageAuthor, nowMs: number) {
  const fields = { email: author.email, name: author.name, emailVerified: author.emailVerified };
  return db
    .insert(users)
    .values({ id: author.userId, ...fields, createdAt: nowMs, updatedAt: nowMs })
    .onConflictDoUpdate({ target: users.id, set: { ...fields, updatedAt: nowMs } });
}

export interface StoredUserMessage {
  messageId: string;
  threadId: string;
  /** The message's run: the new one, or for a duplicate the run stored with the first copy. */
  runId: string;
  runStatus: RunStatus;
  /** The session whose object owns the run (null for rows written before sessions were recorded). */
  runSessionId: string | null;
  duplicate: boolean;
  /** A new message's thread before it (at most `historyLimit` messages, oldest first); empty for a duplicate. */
  history: Message[];
}

const THREAD_NAME_FROM_CONTENT_CHARS = 60;

/**
 * Stores one inbound user message in a single batch: the user mirror, a new thread when none was
 * named, the message keyed on (user_id, client_id), and its run row. A client id seen before
 * inserts nothing new (every insert is conditional on the message being new), and the last
 * statement reads back which message owns that client id, so one round trip tells a duplicate.
 * The same round trip reads the thread's history before the new message, for its run.
 */
export async function storeUserMessage(
  db: AppDatabase,
  author: MessageAuthor,
  message: {
    clientId: string;
    content: string;
    threadId: string | undefined;
    agentName: string;
    status: "running" | "queued";
    /** The login session storing it: its object owns the run. */
    sessionId: string;
  },
  historyLimit = 0,
): Promise<StoredUserMessage> {
  const nowMs = Date.now();
  const messageId = crypto.randomUUID();
  const runId = crypto.randomUUID();
  const threadId = message.threadId ?? crypto.randomUUID();
  const isNewClientId = sql`NOT EXISTS (SELECT 1 FROM ${messages} WHERE ${messages.userId} = ${author.userId} AND ${messages.clientId} = ${message.clientId})`;
  const threadName = message.content.slice(0, THREAD_NAME_FROM_CONTENT_CHARS);
  const [, , , , owner, newestFirst] = await db.batch([
    upsertUser(db, author, nowMs),
    message.threadId === undefined
      ? db.insert(threads).select(sql`SELECT ${threadId}, ${author.userId}, ${threadName}, ${nowMs}, ${nowMs} WHERE ${isNewClientId}`)
      : db
          .update(threads)
          .set({ updatedAt: nowMs })
          .where(and(eq(threads.id, threadId), isNewClientId)),
    db
      .insert(messages)
      .values({
        id: messageId,
        userId: author.userId,
        threadId,
        clientId: message.clientId,
        role: "user",
        content: message.content,
        createdAt: nowMs,
      })
      .onConflictDoNothing({ target: [messages.userId, messages.clientId] }),
    // Columns in table order: id, user_id, thread_id, message_id, agent_name, status, result,
    // error, started_at, completed_at, duration_ms, session_id.
    db.insert(agentRuns).select(
      sql`SELECT ${runId}, ${author.userId}, ${threadId}, ${messageId}, ${message.agentName}, ${message.status}, NULL, NULL, ${nowMs}, NULL, NULL, ${message.sessionId}
            WHERE EXISTS (SELECT 1 FROM ${messages} WHERE ${messages.id} = ${messageId})`,
    ),
    db
      // Aliased: D1 answers rows as objects, where two columns both called "id" would collide.
      .select({
        id: messages.id,
        threadId: messages.threadId,
        runId: sql<string>`${agentRuns.id}`.as("run_id"),
        runStatus: agentRuns.status,
        runSessionId: agentRuns.sessionId,
      })
      .from(messages)
      .innerJoin(agentRuns, eq(agentRuns.messageId, messages.id))
      .where(and(eq(messages.userId, author.userId), eq(messages.clientId, message.clientId))),
    // Before the new message (by its id: for a duplicate that row does not exist, and this is empty).
    threadMessagesNewestFirst(db, threadId, historyLimit, messageId),
  ]);
  const stored = owner[0];
  if (!stored) throw new Error("the message row is missing after its batch");
  return {
    messageId: stored.id,
    threadId: stored.threadId,
    runId: stored.runId,
    runStatus: stored.runStatus,
    runSessionId: stored.runSessionId,
    duplicate: stored.id !== messageId,
    history: newestFirst.reverse(),
  };
}

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
const stillOpen = (runId: string) => and(eq(agentRuns.id, runId), inArray(agentRuns.status, ["queued", "running"]));

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
    .where(and(inArray(agentRuns.id, runIds), inArray(agentRuns.status, ["queued", "running"])));
}

export async function createThread(db: AppDatabase, author: MessageAuthor, name: string) {
  const nowMs = Date.now();
  const thread = { id: crypto.randomUUID(), userId: author.userId, name, createdAt: nowMs, updatedAt: nowMs };
  await db.batch([upsertUser(db, author, nowMs), db.insert(threads).values(thread)]);
  return thread;
}
