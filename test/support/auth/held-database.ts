/**
 * @module
 * A D1 database whose every query waits until the test lets go: with it a test shows that a
 * route answers without touching the database — so nothing about what the database holds can
 * show in the answer or its timing — and then that the work left for after the answer is done.
 */

/** Methods of D1 and its statements that run a query (the rest build one). */
const RUNS_A_QUERY = new Set<PropertyKey>(["first", "all", "run", "raw", "batch", "exec", "dump"]);

export interface HeldDatabase {
  database: D1Database;
  /** Queries asked for so far (held until `release`). */
  readonly queriesAsked: number;
  release(): void;
}

export function holdQueries(real: D1Database): HeldDatabase {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const originals = new WeakMap<object, object>();
  let queriesAsked = 0;

  // A proxied statement handed back to D1 (in a batch) must be the real one again.
  const unwrap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(unwrap);
    return typeof value === "object" && value !== null ? (originals.get(value) ?? value) : value;
  };
  const hold = <T extends object>(target: T): T => {
    const proxy = new Proxy(target, {
      get(object, key) {
        const member: unknown = Reflect.get(object, key, object);
        if (typeof member !== "function") return member;
        return (...args: unknown[]) => {
          const call = () => Reflect.apply(member, object, args.map(unwrap)) as unknown;
          if (RUNS_A_QUERY.has(key)) {
            queriesAsked += 1;
            return released.then(call);
          }
          const result = call();
          return typeof result === "object" && result !== null ? hold(result) : result;
        };
      },
    });
    originals.set(proxy, target);
    return proxy;
  };

  return {
    database: hold(real),
    get queriesAsked() {
      return queriesAsked;
    },
    release: () => release(),
  };
}
