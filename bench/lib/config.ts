// How much each workload does: the full run (`npm run bench`, under 10 minutes on 2 cores) and
// the quick one (`npm run bench -- --quick`, under 2 minutes, what CI runs to keep the harness
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
  w5: { sockets: number; holdSeconds: number };
}

export const FULL: BenchConfig = {
  mode: "full",
  runs: 3,
  connectConcurrency: 50,
  w1Sockets: [100, 1000],
  w2: { warmup: 100, pings: 1000, sockets: 100, pingsPerSocket: 20 },
  w3: { sessions: [1, 10, 100], messagesPerSession: (sessions) => (sessions === 1 ? 150 : sessions === 10 ? 25 : 4) },
  w4: { rounds: 15 },
  w5: { sockets: 2000, holdSeconds: 60 },
};

export const QUICK: BenchConfig = {
  mode: "quick",
  runs: 1,
  connectConcurrency: 25,
  w1Sockets: [50, 200],
  w2: { warmup: 20, pings: 200, sockets: 20, pingsPerSocket: 10 },
  w3: { sessions: [1, 10], messagesPerSession: (sessions) => (sessions === 1 ? 20 : 4) },
  w4: { rounds: 3 },
  w5: { sockets: 200, holdSeconds: 5 },
};
