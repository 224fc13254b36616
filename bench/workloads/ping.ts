// W2 ping: the round trip of one small frame, over one socket (sequential) and over many sockets
// at once (each sequential): the protocol's overhead against each peer's bare echo.
import type { BenchConfig } from "../lib/config.ts";
import type { PeerName } from "../lib/clients.ts";
import type { Peer } from "../lib/peers.ts";
import { inPool, Latencies, type Percentiles } from "../lib/stats.ts";
import type { MintedToken } from "../lib/tokens.ts";

export interface PingRun {
  single: Percentiles;
  many: Percentiles;
  /** Server CPU time per ping on the single socket, in microseconds. */
  cpuUs: number;
}
export type PingResults = Partial<Record<PeerName, PingRun[]>>;

export async function runPing(peers: Peer[], config: BenchConfig, tokens: MintedToken[]): Promise<PingResults> {
  const results: PingResults = {};
  const { warmup, pings, sockets, pingsPerSocket } = config.w2;
  const [first, ...rest] = tokens;
  if (!first || rest.length < sockets) throw new Error("W2 needs one token per socket");
  for (let run = 0; run < config.runs; run += 1) {
    for (const peer of peers) {
      const single = new Latencies();
      const connection = await peer.client.connect(first.token, first.room);
      for (let index = 0; index < warmup; index += 1) await connection.ping();
      const cpuBefore = peer.server.cpuMs();
      for (let index = 0; index < pings; index += 1) {
        const begun = performance.now();
        await connection.ping();
        single.record(performance.now() - begun);
      }
      const cpuUs = ((peer.server.cpuMs() - cpuBefore) * 1000) / pings;
      await connection.close();

      const many = new Latencies();
      const connections = await inPool(rest.slice(0, sockets), config.connectConcurrency, ({ token, room }) =>
        peer.client.connect(token, room),
      );
      await Promise.all(
        connections.map(async (each) => {
          for (let index = 0; index < pingsPerSocket + 2; index += 1) {
            const begun = performance.now();
            await each.ping();
            if (index >= 2) many.record(performance.now() - begun);
          }
        }),
      );
      await Promise.all(connections.map((each) => each.close()));
      (results[peer.client.name] ??= []).push({ single: single.summary(), many: many.summary(), cpuUs });
    }
  }
  return results;
}
