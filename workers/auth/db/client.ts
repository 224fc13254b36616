import { drizzle } from "drizzle-orm/d1";

export type AuthDatabase = ReturnType<typeof drizzle>;

/**
 * One drizzle instance per D1 binding and isolate: building one is not free (it showed in the
 * profile of every token validation), and the binding does not change. No relational schema is
 * passed: the queries use the typed query builder with the tables of schema.ts.
 */
const instances = new WeakMap<D1Database, AuthDatabase>();

export function authDatabase(d1: D1Database): AuthDatabase {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = drizzle(d1)));
  return db;
}
