// The harness's side of the D1 meter (bench/hosts/workerd/d1-meter.ts): each metered Worker
// answers on its own route, `/bench-d1/<scope>` (Tether: `app` for the backend and its session
// objects, `auth` for the auth Worker; the floor: `floor`), with its isolate's counts.

/** One Worker's D1 round trips since the last reset. */
export interface D1Counts {
  /** Round trips per D1 binding (APP_DB, AUTH_DB). */
  calls: Record<string, number>;
  /** Frame type → the Worker's round trips so far when it last sent that frame. */
  callsWhenSent: Record<string, number>;
  latencyMs: number;
}

export interface D1Meter {
  scopes: string[];
  reset(): Promise<void>;
  /** Every scope's counts. */
  read(): Promise<Record<string, D1Counts>>;
  /** The delay before every D1 round trip from now on, in every scope. */
  setLatency(ms: number): Promise<void>;
}

interface MeterAnswer {
  calls: Record<string, number>;
  calls_when_sent: Record<string, number>;
  latency_ms: number;
}

async function call(url: string, method: "GET" | "POST"): Promise<D1Counts> {
  const response = await fetch(url, { method });
  if (!response.ok) throw new Error(`D1 meter ${url} answered ${response.status}: ${await response.text()}`);
  const answer = (await response.json()) as MeterAnswer;
  return { calls: answer.calls, callsWhenSent: answer.calls_when_sent, latencyMs: answer.latency_ms };
}

export function d1Meter(origin: string, scopes: string[]): D1Meter {
  const each = (path: string, method: "GET" | "POST") =>
    Promise.all(scopes.map(async (scope) => [scope, await call(`${origin}/bench-d1/${scope}${path}`, method)] as const));
  return {
    scopes,
    reset: async () => {
      await each("/reset", "POST");
    },
    read: async () => Object.fromEntries(await each("", "GET")),
    setLatency: async (ms) => {
      await each(`/latency?ms=${ms}`, "POST");
    },
  };
}

/** All round trips of one scope (every binding). */
export const totalCalls = (counts: D1Counts | undefined) => Object.values(counts?.calls ?? {}).reduce((total, calls) => total + calls, 0);
