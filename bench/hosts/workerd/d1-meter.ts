/**
 * @module
 * The benchmark's model of a remote D1, inside a Worker's isolate (never in product code): every
 * D1 binding in the Worker's env is wrapped, so each round trip — a statement's run, all, first or
 * raw, a batch, an exec, a dump — is counted per binding and first waits the configured delay, as a
 * D1 primary far from the Worker would make it wait. The socket frames the isolate sends are marked
 * with the count at the moment they leave, so the harness can tell a message's round trips before
 * its `ack` from those after it without racing the server. The harness reads, resets and sets the
 * delay over `/bench-d1/<scope>/…` (bench/lib/d1-meter.ts); the Worker's own entry is generated
 * around this module by bench/hosts/metered-entry.ts.
 */

const ROUND_TRIP_METHODS = new Set(["run", "all", "first", "raw"]);
/** The frames whose send time the harness asks about (W1 connect, W3 message, W9 approval). */
const MARKED_FRAME = /^\{"type":"(connection_established|ack|agent_started|tool_approval_requested|tool_executing|agent_completed)"/;

const callsByBinding = new Map<string, number>();
/** Frame type → this isolate's calls so far when that frame was last sent. */
const callsWhenSent = new Map<string, number>();
let latencyMs: number | undefined;

const callsSoFar = () => [...callsByBinding.values()].reduce((total, calls) => total + calls, 0);
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function roundTrip(binding: string): Promise<void> {
  callsByBinding.set(binding, (callsByBinding.get(binding) ?? 0) + 1);
  if (latencyMs) await wait(latencyMs);
}

type Method = (...args: unknown[]) => unknown;

/** The real statement behind a metered one: the binding's batch takes only its own statements. */
const realStatements = new WeakMap<object, D1PreparedStatement>();

function meteredStatement(binding: string, statement: D1PreparedStatement): D1PreparedStatement {
  const metered = new Proxy(statement, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      const method = value as Method;
      if (key === "bind") return (...values: unknown[]) => meteredStatement(binding, method.apply(target, values) as D1PreparedStatement);
      if (typeof key === "string" && ROUND_TRIP_METHODS.has(key))
        return async (...args: unknown[]) => {
          await roundTrip(binding);
          return method.apply(target, args);
        };
      return (...args: unknown[]) => method.apply(target, args);
    },
  });
  realStatements.set(metered, statement);
  return metered;
}

const real = (statements: D1PreparedStatement[]) => statements.map((statement) => realStatements.get(statement) ?? statement);

/** A database or a Sessions API session of one: `prepare` hands out metered statements, the rest are round trips. */
function meteredDatabase<T extends D1Database | D1DatabaseSession>(binding: string, database: T): T {
  return new Proxy(database, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      const method = value as Method;
      if (key === "prepare") return (query: string) => meteredStatement(binding, method.call(target, query) as D1PreparedStatement);
      if (key === "withSession") return (...args: unknown[]) => meteredDatabase(binding, method.apply(target, args) as D1DatabaseSession);
      if (key === "batch")
        return async (statements: D1PreparedStatement[]) => {
          await roundTrip(binding);
          return method.call(target, real(statements));
        };
      if (key === "exec" || key === "dump")
        return async (...args: unknown[]) => {
          await roundTrip(binding);
          return method.apply(target, args);
        };
      return (...args: unknown[]) => method.apply(target, args);
    },
  });
}

/**
 * The env's D1 bindings, by name, as the Worker's config declares them: told, not guessed from
 * the value's shape — a service binding's RPC stub answers every property with a callable.
 */
const databaseBindings = new Set<string>();

export function meterDatabases(names: string[]): void {
  for (const name of names) databaseBindings.add(name);
}

/**
 * One metered env per real env, so code that keys a cache on its env (or compares two) sees what
 * it would see unmetered.
 */
const meteredEnvs = new WeakMap<object, object>();

export function meteredEnv<E extends object>(env: E): E {
  const known = meteredEnvs.get(env);
  if (known) return known as E;
  if (latencyMs === undefined) latencyMs = Number(Reflect.get(env, "BENCH_D1_LATENCY_MS") ?? 0) || 0;
  const databases = new Map<PropertyKey, unknown>();
  const metered = new Proxy(env, {
    get(target, key) {
      if (databases.has(key)) return databases.get(key);
      const value: unknown = Reflect.get(target, key);
      if (typeof key !== "string" || !databaseBindings.has(key)) return value;
      const database = meteredDatabase(key, value as D1Database);
      databases.set(key, database);
      return database;
    },
  });
  meteredEnvs.set(env, metered);
  return metered;
}

let framesMarked = false;

/** Wraps the isolate's WebSocket send once: a marked frame records the calls made before it left. */
function markFrames(): void {
  if (framesMarked) return;
  framesMarked = true;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, message: string | ArrayBuffer | ArrayBufferView) {
    const frame = typeof message === "string" ? MARKED_FRAME.exec(message) : null;
    if (frame?.[1]) callsWhenSent.set(frame[1], callsSoFar());
    send.call(this, message);
  };
}

/** `GET /bench-d1/<scope>`: the counts; `POST …/reset`: zero them; `POST …/latency?ms=N`: a new delay. */
function meterRoute(request: Request, scope: string): Response | null {
  const { pathname, searchParams } = new URL(request.url);
  const base = `/bench-d1/${scope}`;
  if (pathname !== base && !pathname.startsWith(`${base}/`)) return null;
  const action = pathname.slice(base.length);
  if (request.method === "POST" && action === "/reset") {
    callsByBinding.clear();
    callsWhenSent.clear();
  } else if (request.method === "POST" && action === "/latency") {
    latencyMs = Math.max(0, Number(searchParams.get("ms")) || 0);
  } else if (request.method !== "GET" || action !== "") {
    return new Response("unknown meter route", { status: 404 });
  }
  return Response.json({
    calls: Object.fromEntries(callsByBinding),
    calls_when_sent: Object.fromEntries(callsWhenSent),
    latency_ms: latencyMs ?? 0,
  });
}

type Handler = (input: unknown, env: object, ctx: unknown) => unknown;
const WRAPPED_HANDLERS = new Set(["fetch", "scheduled", "queue"]);

/**
 * The Worker's default export with a metered env in each handler, and the meter's own route in
 * front of `fetch`. A handler kind it does not know would run unmetered, so it refuses to start.
 */
export function meteredWorker(scope: string, worker: Record<string, unknown>): Record<string, unknown> {
  markFrames();
  const metered: Record<string, Handler> = {};
  for (const [name, value] of Object.entries(worker)) {
    if (typeof value !== "function" || !WRAPPED_HANDLERS.has(name)) throw new Error(`d1-meter: the Worker's "${name}" is not wrapped`);
    const handler = value as Handler;
    metered[name] = (input, env, ctx) => {
      if (name === "fetch") {
        const answer = meterRoute(input as Request, scope);
        if (answer) return answer;
      }
      return handler.call(worker, input, meteredEnv(env), ctx);
    };
  }
  return metered;
}

type WorkerClass = new (ctx: unknown, env: object) => object;

const isClass = (value: unknown): value is WorkerClass =>
  typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));

/** A Durable Object or entrypoint class, as a subclass whose instances get the metered env; any other export as it is. */
export function meteredExport(value: unknown): unknown {
  if (!isClass(value)) return value;
  markFrames();
  return class extends value {
    constructor(ctx: unknown, env: object) {
      super(ctx, meteredEnv(env));
    }
  };
}
