/**
 * @module
 * Reads and writes of threads, shared by the session object and the backend's /api routes.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { MessageView, ThreadView } from "@tether/protocol";
import type { AppDatabase } from "./db/client.js";
import { messages, threads, type Message, type Thread } from "./db/schema.js";

export function threadView(thread: Thread): ThreadView {
  return {
    id: thread.id,
    name: thread.name,
    created_at: new Date(thread.createdAt).toISOString(),
    updated_at: new Date(thread.updatedAt).toISOString(),
  };
}

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

/** The thread if it exists and belongs to `userId`; anyone else's thread is "not found". */
export function findOwnThread(db: AppDatabase, userId: string, threadId: string): Promise<Thread | undefined> {
  return db
    .select()
    .from(threads)
    .where(and(eq(threads.id, threadId), eq(threads.userId, userId)))
    .get();
}

/*
 * Pages are cut by a cursor: the id of the last item of the previous page. Rows are ordered by
 * (time, rowid), so rows written in the same millisecond are neither skipped nor repeated.
 */

/** The caller's threads, most recently active first, after the thread `beforeId`. */
export function listThreads(db: AppDatabase, userId: string, limit: number, beforeId?: string): Promise<Thread[]> {
  const conditions = [eq(threads.userId, userId)];
  if (beforeId !== undefined) {
    conditions.push(
      sql`(${threads.updatedAt}, ${threads}.rowid) < (SELECT updated_at, rowid FROM ${threads} WHERE id = ${beforeId} AND user_id = ${userId})`,
    );
  }
  return db
    .select()
    .from(threads)
    .where(and(...conditions))
    .orderBy(desc(threads.updatedAt), desc(sql`${threads}.rowid`))
    .limit(limit)
    .all();
}

/**
 * The newest `limit` messages of a thread older than the message `beforeId`, newest first: a
 * statement a batch can carry (storeUserMessage reads a new message's history in its own write).
 */
export function threadMessagesNewestFirst(db: AppDatabase, threadId: string, limit: number, beforeId?: string) {
  const conditions = [eq(messages.threadId, threadId)];
  if (beforeId !== undefined) {
    conditions.push(
      sql`(${messages.createdAt}, ${messages}.rowid) < (SELECT created_at, rowid FROM ${messages} WHERE id = ${beforeId} AND thread_id = ${threadId})`,
    );
  }
  return db
    .select()
    .from(messages)
    .where(and(...conditions))
    .orderBy(desc(messages.createdAt), desc(sql`${messages}.rowid`))
    .limit(limit);
}

/** The newest `limit` messages older than the message `beforeId`, returned oldest first. */
export async function threadMessages(db: AppDatabase, threadId: string, limit: number, beforeId?: string): Promise<Message[]> {
  const newestFirst = await threadMessagesNewestFirst(db, threadId, limit, beforeId).all();
  return newestFirst.reverse();
}
