// `npm run bench` (full, under 15 minutes on 2 cores) or `npm run bench -- --quick` (about 3
// minutes, what CI runs): starts Tether and its peers on 127.0.0.1, runs the seven workloads, and
// writes RESULTS.md with a latency chart — bench/ for a full run, .build/bench/ for a quick one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { latencyChartSvg } from "./lib/chart.ts";
import { FULL, QUICK } from "./lib/config.ts";
import { startPeers } from "./lib/peers.ts";
import { chartPoints, renderReport, type BenchResults } from "./lib/report.ts";
import { mintTokens } from "./lib/tokens.ts";
import { runColdStarts } from "./workloads/cold-start.ts";
import { runConnect } from "./workloads/connect.ts";
import { runHeld } from "./workloads/held.ts";
import { runMessages } from "./workloads/message.ts";
import { runPing } from "./workloads/ping.ts";
import { runProfiles } from "./workloads/profile.ts";
import { runRevocation } from "./workloads/revocation.ts";
import { runValidation } from "./workloads/validation.ts";

const config = process.argv.includes("--quick") ? QUICK : FULL;
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
  await writeReport({ ...saved, config, startedAt: new Date(saved.startedAt), notes: notes() });
  console.log(`wrote ${join(outputDir, "RESULTS.md")} from results.json`);
  process.exit(0);
}

const started = performance.now();
const startedAt = new Date();
const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

log(`${config.mode} run: starting Tether, the floor, partyserver, the Agents SDK and socket.io`);
const peers = await startPeers();
try {
  const mint = (count: number) => mintTokens(peers.tether.server.origin, count);
  log("W1 connect");
  const connect = await runConnect(peers.all, config, mint);
  log("W2 ping");
  const ping = await runPing(peers.all, config, await mint(config.w2.sockets + 1));
  log("W3 message");
  const message = await runMessages([peers.floor, peers.agents, peers.tether], config, await mint(Math.max(...config.w3.sessions)));
  log("W4 validation");
  const validation = await runValidation(config);
  log("W6 revocation fan-out");
  const revocation = await runRevocation(peers.tether.server.origin, config);
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
