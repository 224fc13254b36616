/**
 * @module
 * The app database's messages: a user's message stored with everything it starts, and a thread's
 * history. D1 refuses BEGIN, so there are no interactive transactions; a write here is one
 * `db.batch()`, which D1 runs atomically: all rows or none.
 */
import { and, eq, sql } from "drizzle-orm";
import type { MessageView } from "@tether/protocol";
import type { AppDatabase } from "./db/client.js";
import { agentRuns, messages, threads, type Message, type RunStatus } from "./db/schema.js";
import { newestFirstPage } from "./pages.js";
import { upsertUser, type MessageAuthor } from "./users.js";

export function messageView(message: Message): MessageView {
  return {
    id: message.id,
    thread_id: message.threadId,
    role: message.role,
    content: message.content,
    client_id: message.clientId,
    created_at: new Date(message.createdAt).toISOString(),
  };
}

/**
 * The newest `limit` messages of a thread older than the message `beforeId`, newest first
 * (pages.ts): a statement a batch can carry (storeUserMessage reads a new message's history in
 * its own write).
 */
export function threadMessagesNewestFirst(db: AppDatabase, threadId: string, limit: number, beforeId?: string) {
  return newestFirstPage(db, messages, messages.createdAt, eq(messages.threadId, threadId), limit, beforeId);
}

/** The newest `limit` messages older than the message `beforeId`, returned oldest first. */
export async function threadMessages(db: AppDatabase, threadId: string, limit: number, beforeId?: string): Promise<Message[]> {
  const newestFirst = await threadMessagesNewestFirst(db, threadId, limit, beforeId).all();
  return newestFirst.reverse();
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
