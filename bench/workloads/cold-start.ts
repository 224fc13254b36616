// W7 cold start: each peer started from nothing (its bundle already built, as a deploy uploads it)
// until it answers its first message on a socket; and the size of each Worker's bundle as
// `wrangler deploy` would upload it, raw and gzipped.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { wranglerBundle } from "../../test/support/node/bundled-worker.ts";
import type { BenchConfig } from "../lib/config.ts";
import type { PeerName } from "../lib/clients.ts";
import { startAgents, startFloor, startPartyserver, startSocketIo, startTetherPeer, type StartedPeer } from "../lib/peers.ts";
import { median } from "../lib/stats.ts";
import { mintTokens, type MintedToken } from "../lib/tokens.ts";

export interface ColdStart {
  /** From spawning the process to its listening. */
  listeningMs: number;
  /**
   * From spawning the process to the first answered round trip on a new socket. A new Tether has no
   * sessions, so for Tether this includes the sign-in that mints the token (as for its first user).
   */
  firstAnswerMs: number;
  /** Tether only: the share of that spent signing in. */
  signInMs?: number;
}
export interface BundleSize {
  worker: string;
  bytes: number;
  gzipBytes: number;
}
export interface ColdStartResults {
  starts: Partial<Record<PeerName, ColdStart[]>>;
  bundles: BundleSize[];
}

const WORKERS = [
  { worker: "tether-auth", config: "workers/auth/wrangler.jsonc" },
  { worker: "tether-backend", config: "wrangler.jsonc" },
  { worker: "bench-floor", config: "bench/peers/floor/wrangler.toml" },
  { worker: "bench-partyserver", config: "bench/peers/partyserver/wrangler.toml" },
  { worker: "bench-agents", config: "bench/peers/agents/wrangler.toml" },
];

/** Tether's Workers as their deployable (top-level) configs build them; the peers as configured. */
export function bundleSizes(): BundleSize[] {
  return WORKERS.map(({ worker, config }) => {
    const outdir = resolve(".build", "bench", "bundles", worker);
    rmSync(outdir, { recursive: true, force: true });
    wranglerBundle(outdir, config);
    const modules = readdirSync(outdir).filter((file) => /\.(m?js|wasm)$/.test(file));
    const contents = modules.map((file) => readFileSync(join(outdir, file)));
    return {
      worker,
      bytes: contents.reduce((total, content) => total + content.byteLength, 0),
      gzipBytes: contents.reduce((total, content) => total + gzipSync(content, { level: 9 }).byteLength, 0),
    };
  });
}

/** `signIn` mints Tether's token from the new instance (timed); the others have theirs already. */
async function timeColdStart(started: StartedPeer, token: MintedToken | null): Promise<ColdStart> {
  const { spawnedAt, readyAt } = started.server;
  const [minted] = token ? [token] : await mintTokens(started.server.origin, 1);
  const signedIn = performance.now();
  if (!minted) throw new Error("no token for the cold start");
  const connection = await started.client.connect(minted.token, minted.room);
  await connection.ping();
  const answered = performance.now();
  await connection.close();
  return {
    listeningMs: readyAt - spawnedAt,
    firstAnswerMs: answered - spawnedAt,
    ...(token ? {} : { signInMs: signedIn - readyAt }),
  };
}

export async function runColdStarts(
  config: BenchConfig,
  jwks: string,
  mint: (count: number) => Promise<MintedToken[]>,
): Promise<ColdStartResults> {
  const reuseBundle = { reuseBundle: true };
  const starters: Array<[PeerName, () => Promise<StartedPeer>]> = [
    ["tether", () => startTetherPeer({ bundle: reuseBundle })],
    ["floor", () => startFloor(reuseBundle)],
    ["partyserver", () => startPartyserver(jwks, reuseBundle)],
    ["agents", () => startAgents(jwks, reuseBundle)],
    ["socket.io", () => startSocketIo(jwks)],
  ];
  const starts: ColdStartResults["starts"] = {};
  for (let run = 0; run < config.runs; run += 1) {
    for (const [name, start] of starters) {
      // The others verify a token of the running Tether; a new Tether signs its own first user in.
      const [token] = name === "tether" ? [null] : await mint(1);
      const started = await start();
      try {
        (starts[name] ??= []).push(await timeColdStart(started, token ?? null));
      } finally {
        await started.stop();
      }
    }
  }
  return { starts, bundles: bundleSizes() };
}

export const medianColdStart = (runs: ColdStart[]) => ({
  listeningMs: median(runs.map((run) => run.listeningMs)),
  firstAnswerMs: median(runs.map((run) => run.firstAnswerMs)),
});
