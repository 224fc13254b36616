// How much each workload does: the full run (`npm run bench`, under 15 minutes on 2 cores) and
// the quick one (`npm run bench -- --quick`, about 3 minutes, what CI runs to keep the harness
// working; its figures are not quoted).
import type { PeerName } from "./clients.ts";

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
   * Idle sockets held: `together` on every peer at once; each of `alone` on one peer at a time (the
   * harness is one process, and 10,000 sockets per peer is half of what it may keep open).
   */
  w5: { together: number; alone: number; holdSeconds: number; alonePeers: PeerName[] };
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
  w5: { together: 2000, alone: 10_000, holdSeconds: 60, alonePeers: ["tether", "floor", "partyserver", "agents", "socket.io"] },
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
  w5: { together: 200, alone: 500, holdSeconds: 5, alonePeers: ["tether", "floor"] },
  w6: { sessionsOfOneUser: 10, usersToDisable: 50 },
};
