/**
 * @module
 * The app database's threads, shared by the session object and the backend's /api routes.
 */
import { and, eq } from "drizzle-orm";
import type { ThreadView } from "@tether/protocol";
import type { AppDatabase } from "./db/client.js";
import { threads, type Thread } from "./db/schema.js";
import { newestFirstPage } from "./pages.js";
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

/** The caller's threads, most recently active first, after the thread `beforeId` (pages.ts). */
export function listThreads(db: AppDatabase, userId: string, limit: number, beforeId?: string): Promise<Thread[]> {
  return newestFirstPage(db, threads, threads.updatedAt, eq(threads.userId, userId), limit, beforeId).all();
}

/** A new, empty thread of the author's, in one batch with their mirror row. */
export async function createThread(db: AppDatabase, author: MessageAuthor, name: string) {
  const nowMs = Date.now();
  const thread = { id: crypto.randomUUID(), userId: author.userId, name, createdAt: nowMs, updatedAt: nowMs };
  await db.batch([upsertUser(db, author, nowMs), db.insert(threads).values(thread)]);
  return thread;
}
