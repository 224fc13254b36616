/**
 * @module
 * How the app database pages a list: newest first, cut by a cursor — the id of the last row of
 * the previous page. Rows are ordered by (time, rowid), so rows written in the same millisecond
 * are neither skipped nor repeated.
 */
import { and, desc, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { AppDatabase } from "./db/client.js";

/** The newest `limit` rows of `table` in `scope` ordered by `time`, older than the row `beforeId` (of the same scope): a statement a batch can carry. */
export function newestFirstPage<T extends SQLiteTable>(
  db: AppDatabase,
  table: T,
  time: SQLiteColumn,
  scope: SQL | undefined,
  limit: number,
  beforeId?: string,
) {
  const olderThanCursor =
    beforeId === undefined
      ? undefined
      : sql`(${time}, ${table}.rowid) < (SELECT ${time}, rowid FROM ${table} WHERE id = ${beforeId} AND ${scope})`;
  return db
    .select()
    .from(table)
    .where(and(scope, olderThanCursor))
    .orderBy(desc(time), desc(sql`${table}.rowid`))
    .limit(limit);
}
