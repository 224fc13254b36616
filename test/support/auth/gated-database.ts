/**
 * @module
 * A D1 database that stops one batch at a gate: the first batch holding a statement whose SQL
 * matches waits until the test opens the gate, and says when it got there. With it a test runs a
 * race in a chosen order — a sign-in reads the user, a reset happens, then the sign-in writes —
 * instead of hoping a timing produces it.
 */

export interface GatedDatabase {
  database: D1Database;
  /** Resolves once the matching batch is waiting at the gate. */
  reached: Promise<void>;
  open(): void;
}

export function gateBatch(real: D1Database, statementSql: RegExp): GatedDatabase {
  let reach = () => {};
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  let gateUsed = false;
  const sqlOf = new WeakMap<object, string>();
  /** Proxied statements back to the real ones, which is what D1's batch takes. */
  const realOf = new WeakMap<object, D1PreparedStatement>();

  const statement = (prepared: D1PreparedStatement, query: string): D1PreparedStatement => {
    sqlOf.set(prepared, query);
    const proxy = new Proxy(prepared, {
      get(target, key) {
        if (key === "bind") {
          return (...values: unknown[]) => {
            const bound = target.bind(...values);
            sqlOf.set(bound, query);
            return bound;
          };
        }
        const member: unknown = Reflect.get(target, key, target);
        return typeof member === "function" ? (member as (...args: unknown[]) => unknown).bind(target) : member;
      },
    });
    realOf.set(proxy, prepared);
    return proxy;
  };

  const database = new Proxy(real, {
    get(target, key) {
      if (key === "prepare") return (query: string) => statement(target.prepare(query), query);
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const reals = statements.map((each) => realOf.get(each) ?? each);
          if (!gateUsed && reals.some((each) => statementSql.test(sqlOf.get(each) ?? ""))) {
            gateUsed = true;
            reach();
            await opened;
          }
          return target.batch(reals);
        };
      }
      const member: unknown = Reflect.get(target, key, target);
      return typeof member === "function" ? (member as (...args: unknown[]) => unknown).bind(target) : member;
    },
  });
  return { database, reached, open: () => open() };
}
