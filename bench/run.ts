// `npm run bench` (full, under 15 minutes on 2 cores) or `npm run bench -- --quick` (about 3
// minutes, what CI runs), either with `--d1-latency-ms N` for a remote D1: starts Tether and its
// peers on 127.0.0.1, runs the workloads, and writes RESULTS.md with a latency chart — bench/ for
// a full run, .build/bench/ for a quick one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { latencyChartSvg } from "./lib/chart.ts";
import { benchConfig, type BenchConfig } from "./lib/config.ts";
import { startPeers, type Peer } from "./lib/peers.ts";
import { chartPoints, renderReport, type BenchResults } from "./lib/report.ts";
import { mintTokens, type MintedToken } from "./lib/tokens.ts";
import { runApprovals } from "./workloads/approval.ts";
import { runColdStarts } from "./workloads/cold-start.ts";
import { runConnect } from "./workloads/connect.ts";
import { runD1RoundTrips } from "./workloads/d1-round-trips.ts";
import { runFanOut } from "./workloads/fan-out.ts";
import { runHeld } from "./workloads/held.ts";
import { runMessages, type MessageResults } from "./workloads/message.ts";
import { runPing } from "./workloads/ping.ts";
import { runProfiles } from "./workloads/profile.ts";
import { runRevocation } from "./workloads/revocation.ts";
import { runValidation } from "./workloads/validation.ts";

const config = benchConfig(process.argv);
const outputDir = config.mode === "full" ? "bench" : join(".build", "bench");
const notesFile = join("bench", "NOTES.md");
const notes = () => (existsSync(notesFile) ? readFileSync(notesFile, "utf8") : "");

async function writeReport(results: BenchResults): Promise<void> {
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, "latency.svg"), await latencyChartSvg(chartPoints(results)));
  writeFileSync(join(outputDir, "RESULTS.md"), renderReport(results, "latency.svg"));
  // Every figure behind the report, for comparing runs and for --report.
  writeFileSync(join(outputDir, "results.json"), `${JSON.stringify({ ...results, notes: undefined }, null, 1)}\n`);
}

// --report: write RESULTS.md again from the last run's figures (after editing NOTES.md).
if (process.argv.includes("--report")) {
  const saved = JSON.parse(readFileSync(join(outputDir, "results.json"), "utf8")) as BenchResults;
  // The delay is the measured run's, not this command's.
  const measured = { ...config, d1LatencyMs: saved.config.d1LatencyMs ?? 0 };
  await writeReport({ ...saved, config: measured, startedAt: new Date(saved.startedAt), notes: notes() });
  console.log(`wrote ${join(outputDir, "RESULTS.md")} from results.json`);
  process.exit(0);
}

const started = performance.now();
const startedAt = new Date();
const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

/** W3 once more with the remote D1's delay on Tether and the floor, then the run's own delay again. */
async function messagesWithRemoteD1(peers: Peer[], tokens: MintedToken[]): Promise<MessageResults> {
  const { latencyMs, sessions } = config.w3RemoteD1;
  const remote: BenchConfig = { ...config, w3: { ...config.w3, sessions: [sessions] } };
  await Promise.all(peers.map((peer) => peer.d1?.setLatency(latencyMs)));
  try {
    return await runMessages(peers, remote, tokens);
  } finally {
    await Promise.all(peers.map((peer) => peer.d1?.setLatency(config.d1LatencyMs)));
  }
}

log(`${config.mode} run, D1 +${config.d1LatencyMs} ms: starting Tether, the floor, partyserver, the Agents SDK and socket.io`);
const peers = await startPeers(config.d1LatencyMs);
try {
  const mint = (count: number) => mintTokens(peers.tether.server.origin, count);
  log("W1 connect");
  const connect = await runConnect(peers.all, config, mint);
  log("W2 ping");
  const ping = await runPing(peers.all, config, await mint(config.w2.sockets + 1));
  log("W3 message");
  const messageTokens = await mint(Math.max(...config.w3.sessions));
  const message = await runMessages([peers.floor, peers.agents, peers.tether], config, messageTokens);
  const { latencyMs, sessions } = config.w3RemoteD1;
  let messageRemoteD1: BenchResults["messageRemoteD1"];
  if (config.d1LatencyMs === 0) {
    log(`W3 message, D1 +${latencyMs} ms`);
    messageRemoteD1 = { latencyMs, sessions, results: await messagesWithRemoteD1([peers.floor, peers.tether], messageTokens) };
  }
  log("D1 round trips per operation");
  const d1RoundTrips = await runD1RoundTrips(peers.tether, peers.floor, config, await mint(config.d1RoundTrips.repetitions));
  log("W4 validation");
  const validation = await runValidation(config);
  log("W6 revocation fan-out");
  const revocation = await runRevocation(peers.tether.server.origin, config);
  log("W8 notification fan-out");
  const fanOut = await runFanOut(peers.tether.server.origin, peers.publisher, config);
  log("W9 approval round trip");
  const approval = await runApprovals(peers.tether.server.origin, config, await mint(config.runs));
  const held = await runHeld(peers.all, config, mint, log);
  log("W7 cold starts and bundle sizes");
  const coldStart = await runColdStarts(config, peers.jwks, mint);
  log("profiles of Tether's Workers");
  const profiles = await runProfiles();

  const results: BenchResults = {
    config,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    connect,
    ping,
    message,
    ...(messageRemoteD1 ? { messageRemoteD1 } : {}),
    d1RoundTrips,
    fanOut,
    approval,
    validation,
    held,
    revocation,
    coldStart,
    profiles,
    notes: notes(),
  };
  await writeReport(results);
  log(`wrote ${join(outputDir, "RESULTS.md")}, latency.svg and results.json`);
} finally {
  await peers.stop();
}
