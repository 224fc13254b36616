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
}

export const FULL: BenchConfig = {
  mode: "full",
  runs: 3,
  connectConcurrency: 50,
  w1Sockets: [100, 1000],
  w2: { warmup: 100, pings: 1000, sockets: 100, pingsPerSocket: 20 },
  w3: { sessions: [1, 10, 100], messagesPerSession: (sessions) => (sessions === 1 ? 150 : sessions === 10 ? 25 : 4) },
  w4: { rounds: 15 },
  w5: {
    steps: [
      { sockets: 2000, holdSeconds: 10 },
      { sockets: 10_000, holdSeconds: 60 },
    ],
  },
  w6: { sessionsOfOneUser: 50, usersToDisable: 500 },
};

export const QUICK: BenchConfig = {
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
};
