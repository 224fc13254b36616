// W5 held: idle sockets held for a while — on every peer at once, and many more on one peer at a
// time — memory per socket from the server's resident memory before and after, and whether any
// socket was dropped.
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
  /** Sockets the peer refused or could not open in time (not held, not in the per-socket figure). */
  failed: number;
}
/** socket count → peer → result. */
export type HeldResults = Record<number, Partial<Record<PeerName, HeldResult>>>;

const hold = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function open(peer: Peer, tokens: MintedToken[], concurrency: number): Promise<{ held: Connection[]; failed: number }> {
  const opened = await inPool(tokens, concurrency, ({ token, room }) =>
    peer.client.connect(token, room).then(
      (connection) => connection,
      () => null,
    ),
  );
  const held = opened.filter((connection): connection is Connection => connection !== null);
  return { held, failed: opened.length - held.length };
}

function measure(peer: Peer, rssBeforeMb: number, opened: { held: Connection[]; failed: number }, holdSeconds: number): HeldResult {
  const rssHeldMb = peer.server.memory().rssMb;
  const sockets = opened.held.length;
  return {
    sockets,
    holdSeconds,
    rssBeforeMb,
    rssHeldMb,
    kbPerSocket: sockets > 0 ? ((rssHeldMb - rssBeforeMb) * 1024) / sockets : Number.NaN,
    dropped: opened.held.filter((connection) => connection.dropped).length,
    failed: opened.failed,
  };
}

/** Every peer holds `count` sockets at once, for one shared hold. */
async function holdTogether(peers: Peer[], config: BenchConfig, tokens: MintedToken[]) {
  const results: Partial<Record<PeerName, HeldResult>> = {};
  const before = new Map(peers.map((peer) => [peer, peer.server.memory().rssMb]));
  const opened = new Map<Peer, { held: Connection[]; failed: number }>();
  for (const peer of peers) opened.set(peer, await open(peer, tokens, config.connectConcurrency));
  // The hold is the workload: idle sockets, nothing sent, for the time a user leaves a tab open.
  await hold(config.w5.holdSeconds);
  for (const peer of peers) {
    const sockets = opened.get(peer) ?? { held: [], failed: 0 };
    results[peer.client.name] = measure(peer, before.get(peer) ?? 0, sockets, config.w5.holdSeconds);
    await Promise.all(sockets.held.map((connection) => connection.close()));
  }
  return results;
}

/** Each peer in turn holds `count` sockets on its own (fresh sessions: nothing of them is in memory yet). */
async function holdAlone(peers: Peer[], config: BenchConfig, tokens: MintedToken[], log: (message: string) => void) {
  const results: Partial<Record<PeerName, HeldResult>> = {};
  for (const peer of peers) {
    log(`W5 held: ${tokens.length} idle sockets on ${peer.client.name} for ${config.w5.holdSeconds} s`);
    const rssBeforeMb = peer.server.memory().rssMb;
    const opened = await open(peer, tokens, config.connectConcurrency * 2);
    await hold(config.w5.holdSeconds);
    results[peer.client.name] = measure(peer, rssBeforeMb, opened, config.w5.holdSeconds);
    await Promise.all(opened.held.map((connection) => connection.close()));
  }
  return results;
}

export async function runHeld(
  peers: Peer[],
  config: BenchConfig,
  mint: (count: number) => Promise<MintedToken[]>,
  log: (message: string) => void,
): Promise<HeldResults> {
  const { together, alone, alonePeers } = config.w5;
  log(`W5 held: ${together} idle sockets on every peer at once for ${config.w5.holdSeconds} s`);
  const results: HeldResults = { [together]: await holdTogether(peers, config, await mint(together)) };
  const single = peers.filter((peer) => alonePeers.includes(peer.client.name));
  results[alone] = await holdAlone(single, config, await mint(alone), log);
  return results;
}
