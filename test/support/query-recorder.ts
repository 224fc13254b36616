/**
 * @module
 * A D1 binding that records every statement run through it or a session of it (SQL and bound values) before passing
 * it to the real database: the query-plan tests run real flows against it, then ask SQLite how it
 * executed each statement the code actually issued.
 */

export interface RecordedStatement {
  sql: string;
  params: unknown[];
}

export function recordingD1(real: D1Database): { db: D1Database; statements: RecordedStatement[] } {
  const statements: RecordedStatement[] = [];
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === "bind") {
          return (...params: unknown[]) => {
            statements.push({ sql, params });
            return target.bind(...params);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  // A Sessions API session (D1's read replicas) prepares its own statements: recorded the same way.
  const recordPrepare = <T extends D1Database | D1DatabaseSession>(client: T): T =>
    new Proxy(client, {
      get(target, property) {
        if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
        if (property === "withSession" && "withSession" in target) {
          return (...args: Parameters<D1Database["withSession"]>) => recordPrepare(target.withSession(...args));
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  return { db: recordPrepare(real), statements };
}

export interface PlanStep {
  detail: string;
}

/** SQLite's plan for one recorded statement. */
export async function queryPlan(db: D1Database, statement: RecordedStatement): Promise<string[]> {
  const result = await db
    .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
    .bind(...statement.params)
    .all<PlanStep>();
  return result.results.map((step) => step.detail);
}

/**
 * The steps that read a whole table of `tables` (tables that grow with use): `SCAN t` reads every
 * row; `SCAN t USING INDEX` reads every index entry. Searches (`SEARCH t USING …`) and covering
 * scans of tiny tables are fine.
 */
export function fullScans(plan: string[], tables: readonly string[]): string[] {
  return plan.filter((detail) => {
    const scanned = /^SCAN (\w+)/.exec(detail)?.[1];
    return scanned !== undefined && tables.includes(scanned);
  });
}

/**
 * Explains each distinct statement recorded and lists those that read a whole table of `tables`,
 * each as "the scan ← the SQL", and how many distinct statements there were.
 */
export async function fullScanOffenders(
  db: D1Database,
  statements: RecordedStatement[],
  tables: readonly string[],
): Promise<{ distinct: number; offenders: string[] }> {
  const distinct = new Map<string, RecordedStatement>();
  for (const statement of statements) if (!distinct.has(statement.sql)) distinct.set(statement.sql, statement);
  const offenders: string[] = [];
  for (const statement of distinct.values()) {
    const scans = fullScans(await queryPlan(db, statement), tables);
    if (scans.length > 0) offenders.push(`${scans.join(", ")}  ←  ${statement.sql}`);
  }
  return { distinct: distinct.size, offenders };
}
