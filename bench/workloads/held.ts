// W5 held: idle sockets on every peer at once, in steps (1,000, 2,000, then 5,000), each step held for a
// while: memory per socket from each server's resident memory before the first socket and at the
// end of each hold, and whether any socket was dropped. The sockets are held by a child process
// per peer (bench/hosts/socket-holder.ts): 10,000 per peer is more than one process may keep open.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { BenchConfig } from "../lib/config.ts";
import type { PeerName } from "../lib/clients.ts";
import type { Peer } from "../lib/peers.ts";
import type { MintedToken } from "../lib/tokens.ts";

export interface HeldResult {
  /** Sockets held at the end of the step. */
  sockets: number;
  holdSeconds: number;
  rssBeforeMb: number;
  rssHeldMb: number;
  kbPerSocket: number;
  dropped: number;
  /** Sockets the peer refused or could not open in time (not held, not in the per-socket figure). */
  failed: number;
}
export interface HeldResults {
  /** Sockets per peer at each step → peer → result. */
  bySockets: Record<number, Partial<Record<PeerName, HeldResult>>>;
  /** A step this machine cannot hold, and what was held instead. */
  capped: { asked: number; held: number; openFileLimit: number } | null;
}

/**
 * How many sockets one server process can hold here. workerd takes two descriptors per WebSocket
 * (its TCP socket and one more), no process may open more than the hard open-file limit (only a
 * privileged user can raise it), and well before that limit local workerd starts failing to open
 * Durable Objects' SQLite files (SQLITE_CANTOPEN, seen from about 7,000 sockets under a limit of
 * 20,000). So a quarter of the limit, in steps of 500.
 */
function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("Max open files"));
  const hard = Number(line?.split(/\s+/)[4]);
  return Number.isFinite(hard) ? hard : Number.POSITIVE_INFINITY;
}
const socketsPerServer = (limit: number) => Math.floor(limit / 4 / 500) * 500;

/** A socket-holder child process and its one-line JSON answers. */
class Holder {
  private readonly answers: AsyncIterator<string>;
  private readonly child: ChildProcess;

  constructor(child: ChildProcess) {
    if (!child.stdout) throw new Error("the holder has no stdout");
    this.child = child;
    this.answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static start(peer: Peer, tokensFile: string): Holder {
    const child = spawn(process.execPath, ["bench/hosts/socket-holder.ts", peer.client.name, peer.server.origin, tokensFile], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    return new Holder(child);
  }

  async command<T>(line: string): Promise<T> {
    this.child.stdin?.write(`${line}\n`);
    const answer = await this.answers.next();
    if (answer.done) throw new Error(`the socket holder ended before answering ${line}`);
    return JSON.parse(answer.value) as T;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.command("close").catch(() => this.child.kill("SIGTERM"));
    await exited;
  }
}

const hold = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function runHeld(
  peers: Peer[],
  config: BenchConfig,
  mint: (count: number) => Promise<MintedToken[]>,
  log: (message: string) => void,
): Promise<HeldResults> {
  const limit = openFileLimit();
  const steps = config.w5.steps.map((step) => ({ ...step, sockets: Math.min(step.sockets, socketsPerServer(limit)) }));
  const largest = Math.max(...config.w5.steps.map((step) => step.sockets));
  const held = Math.max(...steps.map((step) => step.sockets));
  const capped = held < largest ? { asked: largest, held, openFileLimit: limit } : null;
  if (capped) log(`W5 held: ${largest} sockets per server do not fit this machine's open-file limit (${limit}); holding ${capped.held}`);
  const tokensFile = join(".build", "bench", "held-tokens.json");
  mkdirSync(join(".build", "bench"), { recursive: true });
  // Fresh sessions, the same on every peer (the others use them as room names).
  writeFileSync(tokensFile, JSON.stringify(await mint(held)));
  const before = new Map(peers.map((peer) => [peer, peer.server.memory().rssMb]));
  const holders = new Map(peers.map((peer) => [peer, Holder.start(peer, tokensFile)]));
  const results: HeldResults = { bySockets: {}, capped };
  try {
    let asked = 0;
    for (const { sockets: step, holdSeconds } of steps) {
      log(`W5 held: ${step} idle sockets on every peer, held ${holdSeconds} s`);
      const failed = new Map<Peer, number>();
      const opening = performance.now();
      for (const peer of peers) {
        const opened = await holders.get(peer)?.command<{ opened: number; failed: number }>(`open ${step - asked}`);
        failed.set(peer, opened?.failed ?? 0);
      }
      asked = step;
      log(`W5 held: ${step} on every peer open after ${((performance.now() - opening) / 1000).toFixed(0)} s`);
      // The hold is the workload: idle sockets, nothing sent, for the time a user leaves a tab open.
      await hold(holdSeconds);
      const byPeer: Partial<Record<PeerName, HeldResult>> = {};
      for (const peer of peers) {
        const report = await holders.get(peer)?.command<{ held: number; dropped: number }>("report");
        const sockets = report?.held ?? 0;
        const rssBeforeMb = before.get(peer) ?? 0;
        const rssHeldMb = peer.server.memory().rssMb;
        byPeer[peer.client.name] = {
          sockets,
          holdSeconds,
          rssBeforeMb,
          rssHeldMb,
          kbPerSocket: sockets > 0 ? ((rssHeldMb - rssBeforeMb) * 1024) / sockets : Number.NaN,
          dropped: report?.dropped ?? 0,
          failed: failed.get(peer) ?? 0,
        };
      }
      results.bySockets[step] = byPeer;
    }
  } finally {
    await Promise.all([...holders.values()].map((holder) => holder.stop()));
  }
  return results;
}
