/**
 * @module
 * The app database's users: the backend's mirror of each user, as the latest token (or session
 * sync) describes them, and what it holds of one user as a whole. An account claimed by the
 * address's owner (docs/protocol.md) starts clean: everything its unverified registrant made goes,
 * so no planted thread reaches the owner's agent as history.
 */
import { and, eq, inArray, lt, or } from "drizzle-orm";
import { setNewest } from "../shared/bounded-map.js";
import type { AppDatabase } from "./db/client.js";
import { agentRuns, messages, threads, toolApprovals, users } from "./db/schema.js";

/** The user behind a message, a thread or a run, as their token says. */
export interface MessageAuthor {
  userId: string;
  email: string;
  name: string;
  emailVerified: boolean;
}

/** The backend's mirror of the user, as the latest token (or session sync) describes them: a statement a batch can carry. */
export function upsertUser(db: AppDatabase, author: MessageAuthor, nowMs: number) {
  const fields = { email: author.email, name: author.name, emailVerified: author.emailVerified };
  return db
    .insert(users)
    .values({ id: author.userId, ...fields, createdAt: nowMs, updatedAt: nowMs })
    .onConflictDoUpdate({ target: users.id, set: { ...fields, updatedAt: nowMs } });
}

/**
 * The users this isolate has written to the mirror, as written: a repeated `/api/me` with the same
 * claims needs no D1 round trip (the mirror already says what the token says, and `created_at`
 * never changes). Bounded; the oldest entry goes first.
 */
const provisioned = new Map<string, { fields: string; createdAtMs: number }>();
const MAX_PROVISIONED = 10_000;

/** The user's mirror row made or brought up to the token's values; returns when it was created. */
export async function provisionUser(db: AppDatabase, author: MessageAuthor, nowMs: number): Promise<{ createdAtMs: number } | null> {
  const fields = JSON.stringify([author.email, author.name, author.emailVerified]);
  const known = provisioned.get(author.userId);
  if (known?.fields === fields) return { createdAtMs: known.createdAtMs };
  const [row] = await upsertUser(db, author, nowMs).returning({ createdAt: users.createdAt });
  if (!row) return null;
  setNewest(provisioned, author.userId, { fields, createdAtMs: row.createdAt }, MAX_PROVISIONED);
  return { createdAtMs: row.createdAt };
}

/**
 * Deletes the user's threads made before `beforeMs` (with every message and run in them), and any
 * other message or run of theirs made before it, in one batch. Returns how many threads went.
 * Deleting again finds nothing: a retried delivery is harmless.
 */
export async function deleteUserDataBefore(db: AppDatabase, userId: string, beforeMs: number): Promise<number> {
  const oldThreads = db
    .select({ id: threads.id })
    .from(threads)
    .where(and(eq(threads.userId, userId), lt(threads.createdAt, beforeMs)));
  const oldMessages = db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.userId, userId), or(lt(messages.createdAt, beforeMs), inArray(messages.threadId, oldThreads))));
  const oldRuns = and(
    eq(agentRuns.userId, userId),
    or(lt(agentRuns.startedAt, beforeMs), inArray(agentRuns.threadId, oldThreads), inArray(agentRuns.messageId, oldMessages)),
  );
  // Approvals first, then runs, messages, threads: each row goes before the rows it references.
  const [, , , deletedThreads] = await db.batch([
    db.delete(toolApprovals).where(inArray(toolApprovals.runId, db.select({ id: agentRuns.id }).from(agentRuns).where(oldRuns))),
    db.delete(agentRuns).where(oldRuns),
    db.delete(messages).where(inArray(messages.id, oldMessages)),
    db.delete(threads).where(inArray(threads.id, oldThreads)).returning({ id: threads.id }),
  ]);
  return deletedThreads.length;
}
