// RESULTS.md: machine facts and versions, the targets with how far each is met or missed
// (targets.ts), the notes written by hand, and a section per workload (sections*.ts).
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import type { ChartPoint } from "./chart.ts";
import type { BenchConfig } from "./config.ts";
import { PEERS } from "./format.ts";
import { connectSection, heldSection, messageSection, pingSection, profileSection, validationSection } from "./sections.ts";
import { approvalSection, d1RoundTripSection, fanOutSection } from "./sections-events.ts";
import { coldStartSection, revocationSection } from "./sections-lifecycle.ts";
import { medianOf } from "./stats.ts";
import { targetsTable } from "./targets.ts";
import type { ApprovalResults } from "../workloads/approval.ts";
import type { ColdStartResults } from "../workloads/cold-start.ts";
import type { ConnectResults } from "../workloads/connect.ts";
import type { D1RoundTripResults } from "../workloads/d1-round-trips.ts";
import type { FanOutResults } from "../workloads/fan-out.ts";
import type { HeldResults } from "../workloads/held.ts";
import type { MessageResults } from "../workloads/message.ts";
import type { PingResults } from "../workloads/ping.ts";
import type { ProfileResults } from "../workloads/profile.ts";
import type { RevocationResults } from "../workloads/revocation.ts";
import type { ValidationResult } from "../workloads/validation.ts";

export interface BenchResults {
  config: BenchConfig;
  startedAt: Date;
  seconds: number;
  connect: ConnectResults;
  ping: PingResults;
  message: MessageResults;
  /** W3 again, Tether and the floor only, at a remote D1's delay (absent when the run's own delay is not 0). */
  messageRemoteD1?: { latencyMs: number; sessions: number; results: MessageResults };
  /** Absent from results written before they were measured (so `--report` still reads those). */
  d1RoundTrips?: D1RoundTripResults;
  fanOut?: FanOutResults;
  approval?: ApprovalResults;
  validation: ValidationResult;
  held: HeldResults;
  revocation: RevocationResults;
  coldStart: ColdStartResults;
  profiles: ProfileResults;
  /** What a missed target's profile showed, written by hand after looking (bench/NOTES.md). */
  notes: string;
}

function version(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

function machine(): string {
  const cpu = cpus();
  const rows = [
    ["CPU", `${cpu[0]?.model ?? "?"} (${cpu.length} logical cores)`],
    ["Memory", `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ["OS", `Linux ${release()}`],
    ["Node", process.version],
    ...["workerd", "miniflare", "wrangler", "partyserver", "agents", "socket.io", "socket.io-client", "jose", "hdr-histogram-js"].map(
      (name) => [name, version(name)],
    ),
  ];
  return ["| | |", "|---|---|", ...rows.map(([key, value]) => `| ${key} | ${value} |`)].join("\n");
}

export function chartPoints(results: BenchResults): ChartPoint[] {
  const points: ChartPoint[] = [];
  const add = (workload: string, peer: string, p50: number, p99: number) => {
    points.push({ workload, peer, percentile: "p50", ms: p50 }, { workload, peer, percentile: "p99", ms: p99 });
  };
  const smallest = Math.min(...results.config.w1Sockets);
  for (const peer of PEERS) {
    const connect = results.connect[peer]?.[smallest] ?? [];
    if (connect.length)
      add(
        `W1 connect (${smallest} sockets)`,
        peer,
        medianOf(connect, (run) => run.p50),
        medianOf(connect, (run) => run.p99),
      );
    const ping = results.ping[peer] ?? [];
    if (ping.length)
      add(
        "W2 ping (1 socket)",
        peer,
        medianOf(ping, (run) => run.single.p50),
        medianOf(ping, (run) => run.single.p99),
      );
    if (ping.length)
      add(
        `W2 ping (${results.config.w2.sockets} sockets)`,
        peer,
        medianOf(ping, (run) => run.many.p50),
        medianOf(ping, (run) => run.many.p99),
      );
  }
  for (const peer of ["tether", "agents", "floor"] as const) {
    const message = results.message[peer]?.[10] ?? [];
    if (message.length)
      add(
        "W3 message (10 sessions)",
        peer === "floor" ? "floor + D1" : peer,
        medianOf(message, (run) => run.p50),
        medianOf(message, (run) => run.p99),
      );
  }
  return points;
}

function benchFlags(config: BenchConfig): string {
  const flags = [config.mode === "quick" ? "--quick" : "", config.d1LatencyMs > 0 ? `--d1-latency-ms ${config.d1LatencyMs}` : ""];
  const given = flags.filter((flag) => flag !== "");
  return given.length === 0 ? "" : ` -- ${given.join(" ")}`;
}

function d1Delay(latencyMs: number): string {
  const where =
    "by a wrapper around each D1 binding in the bench host (bench/hosts/workerd/d1-meter.ts), in every workload but W4's probe, W7's fresh servers and the profiles";
  return latencyMs > 0
    ? `Every D1 call of Tether and of the floor waits ${latencyMs} ms first (\`--d1-latency-ms ${latencyMs}\`), ${where}: D1's primary modelled as far away as another region.`
    : `D1 is local (no added delay; \`--d1-latency-ms N\` adds N ms before every D1 call of Tether and of the floor, ${where}); W3 runs a second time with a remote D1's delay.`;
}

export function renderReport(results: BenchResults, chartFile: string): string {
  const { config } = results;
  return [
    "# Tether benchmarks",
    "",
    `Written by \`npm run bench${benchFlags(config)}\` on ${results.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC in ${results.seconds.toFixed(0)} s: ${config.mode} mode, each workload ${config.runs} time${config.runs === 1 ? "" : "s"} (tables give the median of the runs' percentiles). Every server runs on this machine on 127.0.0.1 in its own process, started by the harness — Tether's two Workers in one workerd through Miniflare (no dev-server proxy), the floor, partyserver and the Agents SDK in a workerd each, socket.io in Node — and is driven by real WebSocket clients from the harness's own Node process. ${d1Delay(config.d1LatencyMs)} Local workerd and local D1 (SQLite files) are not Cloudflare's network: compare the peers of one run with each other, not with production.`,
    "",
    "## Machine",
    "",
    machine(),
    "",
    "## Targets",
    "",
    targetsTable(results),
    "",
    results.notes.trim(),
    "",
    `![Latency percentiles per peer and workload](${chartFile})`,
    "",
    connectSection(results),
    "",
    pingSection(results),
    "",
    messageSection(results),
    "",
    validationSection(results),
    "",
    heldSection(results),
    "",
    revocationSection(results),
    "",
    fanOutSection(results),
    "",
    approvalSection(results),
    "",
    d1RoundTripSection(results),
    "",
    coldStartSection(results),
    "",
    profileSection(results),
    "",
  ].join("\n");
}
