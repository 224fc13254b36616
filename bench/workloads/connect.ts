// W1 connect: open N authenticated sockets (each its own session), at most `connectConcurrency`
// at a time; time to all open, each connect's latency, and the server's peak memory.
import type { BenchConfig } from "../lib/config.ts";
import type { PeerName } from "../lib/clients.ts";
import type { Peer } from "../lib/peers.ts";
import { inPool, Latencies, type Percentiles } from "../lib/stats.ts";
import type { MintedToken } from "../lib/tokens.ts";

export interface ConnectRun extends Percentiles {
  allOpenMs: number;
  peakMb: number;
  /** Server CPU time per connect (from /proc), including what it does for the close. */
  cpuMs: number;
}
/** peer → socket count → one entry per run. */
export type ConnectResults = Partial<Record<PeerName, Record<number, ConnectRun[]>>>;

export async function runConnect(
  peers: Peer[],
  config: BenchConfig,
  mint: (count: number) => Promise<MintedToken[]>,
): Promise<ConnectResults> {
  const results: ConnectResults = {};
  // Warm-up: every peer has loaded its code and opened a few sockets before anything is timed.
  const warmup = await mint(20);
  for (const peer of peers) {
    const connections = await inPool(warmup, config.connectConcurrency, ({ token, room }) => peer.client.connect(token, room));
    await Promise.all(connections.map((connection) => connection.close()));
  }
  for (let run = 0; run < config.runs; run += 1) {
    for (const sockets of config.w1Sockets) {
      // Fresh sessions every run: Tether validates each through the auth Worker, uncached.
      const tokens = await mint(sockets);
      for (const peer of peers) {
        const latencies = new Latencies();
        const cpuBefore = peer.server.cpuMs();
        const started = performance.now();
        const connections = await inPool(tokens, config.connectConcurrency, async ({ token, room }) => {
          const begun = performance.now();
          const connection = await peer.client.connect(token, room);
          latencies.record(performance.now() - begun);
          return connection;
        });
        const allOpenMs = performance.now() - started;
        const { peakMb } = peer.server.memory();
        await Promise.all(connections.map((connection) => connection.close()));
        const cpuMs = (peer.server.cpuMs() - cpuBefore) / sockets;
        const byCount = (results[peer.client.name] ??= {});
        (byCount[sockets] ??= []).push({ ...latencies.summary(), allOpenMs, peakMb, cpuMs });
      }
    }
  }
  return results;
}
