import { drizzle } from "drizzle-orm/d1";

export type Database = ReturnType<typeof drizzle>;

/**
 * One drizzle instance per D1 binding and isolate: building one is not free (it showed in the
 * profile of every token validation and every new socket), and a binding does not change. No
 * relational schema is passed: queries use the typed query builder with each schema's tables.
 */
const instances = new WeakMap<D1Database, Database>();

export function databaseFor(d1: D1Database): Database {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = drizzle(d1)));
  return db;
}
