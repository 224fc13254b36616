// W3 message: `user_message` → `agent_completed` with the demo agent (two D1 batches per
// message) over 1, 10 and 100 concurrent sessions, each sending one message after another; the
// Agents SDK running a scripted agent of the same frames on its own SQLite; and the floor doing the
// same D1 batches with no agent and no auth.
import type { BenchConfig } from "../lib/config.ts";
import type { PeerName } from "../lib/clients.ts";
import type { Peer } from "../lib/peers.ts";
import { inPool, Latencies, type Percentiles } from "../lib/stats.ts";
import type { MintedToken } from "../lib/tokens.ts";

export interface MessageRun extends Percentiles {
  perSecond: number;
  /** Server CPU time per message (from /proc). */
  cpuMs: number;
}
/** peer → concurrent sessions → one entry per run. */
export type MessageResults = Partial<Record<PeerName, Record<number, MessageRun[]>>>;

export async function runMessages(peers: Peer[], config: BenchConfig, tokens: MintedToken[]): Promise<MessageResults> {
  const results: MessageResults = {};
  for (let run = 0; run < config.runs; run += 1) {
    for (const sessions of config.w3.sessions) {
      const perSession = config.w3.messagesPerSession(sessions);
      for (const peer of peers) {
        const connections = await inPool(tokens.slice(0, sessions), config.connectConcurrency, ({ token, room }) =>
          peer.client.connect(token, room),
        );
        // One message per session first: the session's rows and objects exist before timing.
        await Promise.all(connections.map((connection) => connection.message("what is 1+1")));
        const latencies = new Latencies();
        const cpuBefore = peer.server.cpuMs();
        const started = performance.now();
        await Promise.all(
          connections.map(async (connection, session) => {
            for (let index = 0; index < perSession; index += 1) {
              const begun = performance.now();
              await connection.message(`what is ${session} * ${index} + 7`);
              latencies.record(performance.now() - begun);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const cpuMs = (peer.server.cpuMs() - cpuBefore) / (sessions * perSession);
        await Promise.all(connections.map((connection) => connection.close()));
        const bySessions = (results[peer.client.name] ??= {});
        (bySessions[sessions] ??= []).push({ ...latencies.summary(), perSecond: (sessions * perSession) / seconds, cpuMs });
      }
    }
  }
  return results;
}
