// W6 revocation fan-out: how long until every socket of an ended session has its `session_revoked`
// frame. One user with many sessions (two sockets each) signs out everywhere (`logout-all`); and
// many users, one socket each, are disabled by an operator over the auth Worker's RPC.
import { openTetherSocket } from "../lib/clients.ts";
import type { BenchConfig } from "../lib/config.ts";
import { inPool, Latencies, type Percentiles } from "../lib/stats.ts";
import { mintTokens, type MintedToken } from "../lib/tokens.ts";

export interface RevocationRun extends Percentiles {
  sockets: number;
  /** From the first request to the last socket told. */
  allToldMs: number;
  /** Sockets that closed without the frame, or never heard (counted, not timed). */
  missed: number;
}
export interface RevocationResults {
  logoutAll: RevocationRun[];
  disableUsers: RevocationRun[];
}

const TOLD_TIMEOUT_MS = 30_000;

/** A Tether socket that resolves `told` with the time its `session_revoked` frame arrived (null: never). */
async function watchRevocation(origin: string, token: string): Promise<{ told: Promise<number | null>; close(): Promise<void> }> {
  let resolveTold: (at: number | null) => void = () => {};
  const told = new Promise<number | null>((resolve) => (resolveTold = resolve));
  const timer = setTimeout(() => resolveTold(null), TOLD_TIMEOUT_MS);
  const { socket, opened, close } = openTetherSocket(origin, token, (data) => {
    if (!data.includes('"type":"session_revoked"')) return;
    clearTimeout(timer);
    resolveTold(performance.now());
  });
  // Closed without the frame: the first resolution stands, so a socket told first keeps its time.
  socket.addEventListener("close", () => resolveTold(null));
  await opened;
  return { told, close };
}

async function timeRevocation(
  origin: string,
  tokens: MintedToken[],
  socketsPerSession: number,
  concurrency: number,
  revoke: () => Promise<number>,
): Promise<RevocationRun> {
  const sockets = tokens.flatMap((minted) => Array.from({ length: socketsPerSession }, () => minted));
  const watched = await inPool(sockets, concurrency, (minted) => watchRevocation(origin, minted.token));
  const started = await revoke();
  const told = await Promise.all(watched.map((socket) => socket.told));
  for (const socket of watched) void socket.close();
  const latencies = new Latencies();
  let last = started;
  for (const at of told) {
    if (at === null) continue;
    latencies.record(at - started);
    last = Math.max(last, at);
  }
  return { ...latencies.summary(), sockets: sockets.length, allToldMs: last - started, missed: told.filter((at) => at === null).length };
}

export async function runRevocation(origin: string, config: BenchConfig): Promise<RevocationResults> {
  const results: RevocationResults = { logoutAll: [], disableUsers: [] };
  const { sessionsOfOneUser, usersToDisable } = config.w6;
  for (let run = 0; run < config.runs; run += 1) {
    const email = `bench-w6-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const sessions = await mintTokens(origin, sessionsOfOneUser, email);
    results.logoutAll.push(
      await timeRevocation(origin, sessions, 2, config.connectConcurrency, async () => {
        const started = performance.now();
        const response = await fetch(`${origin}/auth/logout-all`, {
          method: "POST",
          headers: { Authorization: `Bearer ${sessions[0]?.token ?? ""}` },
        });
        if (!response.ok) throw new Error(`logout-all answered ${response.status}: ${await response.text()}`);
        return started;
      }),
    );

    const users = await mintTokens(origin, usersToDisable);
    results.disableUsers.push(
      await timeRevocation(origin, users, 1, config.connectConcurrency, async () => {
        const started = performance.now();
        // The operator disables them as fast as it can: a bounded number of calls in flight.
        await inPool(users, 16, async ({ userId }) => {
          const response = await fetch(`${origin}/bench-operator/disable/${encodeURIComponent(userId)}`, { method: "POST" });
          if (!response.ok) throw new Error(`disabling a user answered ${response.status}: ${await response.text()}`);
        });
        return started;
      }),
    );
  }
  return results;
}
