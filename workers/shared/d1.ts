import { drizzle } from "drizzle-orm/d1";

export type Database = ReturnType<typeof drizzle>;

/** What drizzle calls on a D1 binding (`prepare`, `batch`): a database, or one of its Sessions API sessions. */
type D1Client = D1Database | D1DatabaseSession;

/**
 * One drizzle instance per D1 binding (or session) and isolate: building one is not free (it
 * showed in the profile of every token validation and every new socket), and a binding does not
 * change. No relational schema is passed: queries use the typed query builder with each schema's tables.
 */
const instances = new WeakMap<D1Client, Database>();

export function databaseFor(d1: D1Client): Database {
  let db = instances.get(d1);
  // drizzle's D1 driver calls `prepare` and `batch` only, which a Sessions API session has too;
  // its type names the full binding, so a session is passed as one.
  if (!db) instances.set(d1, (db = drizzle(d1 as D1Database)));
  return db;
}

/** A read-replica bookmark as a client may send it back: D1's are short opaque strings. */
const BOOKMARK = /^[\w.:-]{1,200}$/;

/**
 * D1's Sessions API for a request's reads: after `bookmark` (the one this client was last given,
 * so it never reads older than what it has seen), or from any replica when it sent none or junk.
 * `bookmark()` is the session's latest, to hand back to the client.
 */
export function readSession(d1: D1Database, bookmark: string | undefined): { db: Database; bookmark(): string | null } {
  const session = d1.withSession(bookmark !== undefined && BOOKMARK.test(bookmark) ? bookmark : "first-unconstrained");
  return { db: databaseFor(session), bookmark: () => session.getBookmark() };
}
