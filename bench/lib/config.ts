// How much each workload does: the full run (`npm run bench`, under 15 minutes on 2 cores) and
// the quick one (`npm run bench -- --quick`, about 3 minutes, what CI runs to keep the harness
// working; its figures are not quoted).
export interface BenchConfig {
  mode: "full" | "quick";
  /** Each workload runs this many times; reports take the median of the runs. */
  runs: number;
  /** Sockets opened at once while connecting many (a reconnect storm is bounded the same way by jitter). */
  connectConcurrency: number;
  w1Sockets: number[];
  w2: { warmup: number; pings: number; sockets: number; pingsPerSocket: number };
  w3: { sessions: number[]; messagesPerSession: (sessions: number) => number };
  w4: { rounds: number };
  /**
   * Idle sockets held on every peer at once, in steps: each adds sockets up to `sockets` per peer,
   * then holds them all for `holdSeconds`.
   */
  w5: { steps: Array<{ sockets: number; holdSeconds: number }> };
  /** Sessions of one user signed out at once (two sockets each); users disabled, a socket each. */
  w6: { sessionsOfOneUser: number; usersToDisable: number };
  /**
   * The delay before every D1 round trip of Tether and of the floor (`--d1-latency-ms N`, default
   * 0): D1's primary as far from the Worker as a remote region would be.
   */
  d1LatencyMs: number;
  /**
   * W3 again at this D1 delay, 10 sessions, when the run's own delay is 0: one run reports the
   * message ratio with a local and with a remote D1.
   */
  w3RemoteD1: { latencyMs: number; sessions: number };
  /** Each operation's D1 round trips are counted this many times (the counts should not vary). */
  d1RoundTrips: { repetitions: number };
  /** Notification fan-out: one user's sessions and one publish; many users, one publish each. */
  w8: { sessionsOfOneUser: number; users: number; repetitions: { oneUser: number; manyUsers: number }; publishConcurrency: number };
  /** Approval round trips (`approve_tool` → `tool_executing`), one after another on one socket. */
  w9: { approvals: number };
}

type Preset = Omit<BenchConfig, "d1LatencyMs">;

export const FULL: Preset = {
  mode: "full",
  runs: 3,
  connectConcurrency: 50,
  w1Sockets: [100, 1000],
  w2: { warmup: 100, pings: 1000, sockets: 100, pingsPerSocket: 20 },
  w3: { sessions: [1, 10, 100], messagesPerSession: (sessions) => (sessions === 1 ? 150 : sessions === 10 ? 25 : 4) },
  w4: { rounds: 15 },
  // Per-socket memory at three sizes, so its growth shows; 20,000 open files is this machine's ceiling.
  w5: {
    steps: [
      { sockets: 1000, holdSeconds: 10 },
      { sockets: 2000, holdSeconds: 10 },
      { sockets: 5000, holdSeconds: 20 },
    ],
  },
  w6: { sessionsOfOneUser: 50, usersToDisable: 500 },
  w3RemoteD1: { latencyMs: 30, sessions: 10 },
  d1RoundTrips: { repetitions: 5 },
  w8: { sessionsOfOneUser: 100, users: 1000, repetitions: { oneUser: 30, manyUsers: 5 }, publishConcurrency: 32 },
  w9: { approvals: 100 },
};

export const QUICK: Preset = {
  mode: "quick",
  runs: 1,
  connectConcurrency: 25,
  w1Sockets: [50, 200],
  w2: { warmup: 20, pings: 200, sockets: 20, pingsPerSocket: 10 },
  w3: { sessions: [1, 10], messagesPerSession: (sessions) => (sessions === 1 ? 20 : 4) },
  w4: { rounds: 3 },
  w5: {
    steps: [
      { sockets: 200, holdSeconds: 2 },
      { sockets: 500, holdSeconds: 5 },
    ],
  },
  w6: { sessionsOfOneUser: 10, usersToDisable: 50 },
  w3RemoteD1: { latencyMs: 30, sessions: 10 },
  d1RoundTrips: { repetitions: 2 },
  w8: { sessionsOfOneUser: 20, users: 100, repetitions: { oneUser: 5, manyUsers: 2 }, publishConcurrency: 16 },
  w9: { approvals: 10 },
};

/** `--quick` picks the quick preset; `--d1-latency-ms N` the D1 delay (milliseconds, default 0). */
export function benchConfig(argv: string[]): BenchConfig {
  const preset = argv.includes("--quick") ? QUICK : FULL;
  const flag = argv.findIndex((arg) => arg === "--d1-latency-ms" || arg.startsWith("--d1-latency-ms="));
  const text = flag === -1 ? "0" : (argv[flag]?.split("=")[1] ?? argv[flag + 1]);
  const d1LatencyMs = Number(text);
  if (!Number.isFinite(d1LatencyMs) || d1LatencyMs < 0) throw new Error(`--d1-latency-ms wants milliseconds ≥ 0, not ${text}`);
  return { ...preset, d1LatencyMs };
}
