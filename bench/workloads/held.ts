// W5 held: many idle sockets on every peer at once, held for a while: memory per socket from the
// server's resident memory before and after, and whether any socket was dropped.
import type { BenchConfig } from "../lib/config.ts";
import type { Connection, PeerName } from "../lib/clients.ts";
import type { Peer } from "../lib/peers.ts";
import { inPool } from "../lib/stats.ts";
import type { MintedToken } from "../lib/tokens.ts";

export interface HeldResult {
  sockets: number;
  holdSeconds: number;
  rssBeforeMb: number;
  rssHeldMb: number;
  kbPerSocket: number;
  dropped: number;
}
export type HeldResults = Partial<Record<PeerName, HeldResult>>;

export async function runHeld(peers: Peer[], config: BenchConfig, tokens: MintedToken[]): Promise<HeldResults> {
  const { sockets, holdSeconds } = config.w5;
  const before = new Map(peers.map((peer) => [peer, peer.server.memory().rssMb]));
  const held = new Map<Peer, Connection[]>();
  for (const peer of peers) {
    held.set(
      peer,
      await inPool(tokens.slice(0, sockets), config.connectConcurrency, ({ token, room }) => peer.client.connect(token, room)),
    );
  }
  // The hold is the workload: idle sockets, nothing sent, for the time a user leaves a tab open.
  await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
  const results: HeldResults = {};
  for (const peer of peers) {
    const connections = held.get(peer) ?? [];
    const rssHeldMb = peer.server.memory().rssMb;
    const rssBeforeMb = before.get(peer) ?? 0;
    results[peer.client.name] = {
      sockets,
      holdSeconds,
      rssBeforeMb,
      rssHeldMb,
      kbPerSocket: ((rssHeldMb - rssBeforeMb) * 1024) / sockets,
      dropped: connections.filter((connection) => connection.dropped).length,
    };
    await Promise.all(connections.map((connection) => connection.close()));
  }
  return results;
}
