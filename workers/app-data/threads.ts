/**
 * @module
 * The app database's threads, shared by the session object and the backend's /api routes.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { ThreadView } from "@tether/protocol";
import type { AppDatabase } from "./db/client.js";
import { threads, type Thread } from "./db/schema.js";
import { upsertUser, type MessageAuthor } from "./users.js";

export function threadView(thread: Thread): ThreadView {
  return {
    id: thread.id,
    name: thread.name,
    created_at: new Date(thread.createdAt).toISOString(),
    updated_at: new Date(thread.updatedAt).toISOString(),
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

/**
 * The caller's threads, most recently active first, after the thread `beforeId`. Pages are cut by
 * a cursor, the id of the last item of the previous page; rows are ordered by (time, rowid), so
 * rows written in the same millisecond are neither skipped nor repeated.
 */
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

/** A new, empty thread of the author's, in one batch with their mirror row. */
export async function createThread(db: AppDatabase, author: MessageAuthor, name: string) {
  const nowMs = Date.now();
  const thread = { id: crypto.randomUUID(), userId: author.userId, name, createdAt: nowMs, updatedAt: nowMs };
  await db.batch([upsertUser(db, author, nowMs), db.insert(threads).values(thread)]);
  return thread;
}
