import { drizzle } from "drizzle-orm/d1";

export type AppDatabase = ReturnType<typeof drizzle>;

/**
 * One drizzle instance per D1 binding and isolate (every session object of an isolate shares it):
 * building one showed in the profile of every new socket. The queries use the typed query
 * builder with the tables of schema.ts, so no relational schema is passed.
 */
const instances = new WeakMap<D1Database, AppDatabase>();

export function appDatabase(d1: D1Database): AppDatabase {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = drizzle(d1)));
  return db;
}
