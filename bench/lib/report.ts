// RESULTS.md: machine facts and versions, a table per workload, the ratios against each peer
// (taken run by run, then the median), and the targets with how far each is met or missed.
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import type { ChartPoint } from "./chart.ts";
import type { BenchConfig } from "./config.ts";
import type { PeerName } from "./clients.ts";
import { medianOf, pairedRatio } from "./stats.ts";
import type { ConnectResults } from "../workloads/connect.ts";
import type { HeldResults } from "../workloads/held.ts";
import type { MessageResults } from "../workloads/message.ts";
import type { PingResults } from "../workloads/ping.ts";
import type { ProfileResults } from "../workloads/profile.ts";
import type { ValidationResult } from "../workloads/validation.ts";

export interface BenchResults {
  config: BenchConfig;
  startedAt: Date;
  seconds: number;
  connect: ConnectResults;
  ping: PingResults;
  message: MessageResults;
  validation: ValidationResult;
  held: HeldResults;
  profiles: ProfileResults;
  /** What a missed target's profile showed, written by hand after looking (bench/NOTES.md). */
  notes: string;
}

const PEERS: PeerName[] = ["tether", "floor", "partyserver", "socket.io"];
const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : "–");
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "–");

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
    ...["workerd", "miniflare", "wrangler", "partyserver", "socket.io", "socket.io-client", "jose", "hdr-histogram-js"].map((name) => [
      name,
      version(name),
    ]),
  ];
  return ["| | |", "|---|---|", ...rows.map(([key, value]) => `| ${key} | ${value} |`)].join("\n");
}

interface Target {
  name: string;
  measured: number;
  limit: number;
  /** "max": measured must not exceed the limit; "min": it must reach it. */
  kind: "max" | "min";
}

function targetRow(target: Target): string {
  const met = target.kind === "max" ? target.measured <= target.limit : target.measured >= target.limit;
  const off = target.kind === "max" ? target.measured / target.limit - 1 : 1 - target.measured / target.limit;
  const percent = off * 100;
  const verdict = met ? "met" : `**missed by ${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)}%**`;
  return `| ${target.name} | ${times(target.measured)} | ${target.kind === "max" ? "≤" : "≥"} ${target.limit}× | ${verdict} |`;
}

function targets(results: BenchResults): Target[] {
  const tetherPing = results.ping.tether ?? [];
  const largest = Math.max(...results.config.w1Sockets);
  const tetherConnect = results.connect.tether?.[largest] ?? [];
  const tetherMessage = results.message.tether?.[10] ?? [];
  const floorMessage = results.message.floor?.[10] ?? [];
  const list: Target[] = [
    {
      name: "W2 ping p50, Tether / floor (1 socket)",
      measured: pairedRatio(tetherPing, results.ping.floor ?? [], (run) => run.single.p50),
      limit: 1.5,
      kind: "max",
    },
    {
      name: "W2 ping p50, Tether / partyserver (1 socket)",
      measured: pairedRatio(tetherPing, results.ping.partyserver ?? [], (run) => run.single.p50),
      limit: 1,
      kind: "max",
    },
    {
      name: "W2 ping p50, Tether / socket.io (1 socket)",
      measured: pairedRatio(tetherPing, results.ping["socket.io"] ?? [], (run) => run.single.p50),
      limit: 1,
      kind: "max",
    },
    {
      name: `W1 connect p99 with validation, Tether / floor (${largest} sockets)`,
      measured: pairedRatio(tetherConnect, results.connect.floor?.[largest] ?? [], (run) => run.p99),
      limit: 2,
      kind: "max",
    },
    { name: "W4 validation, uncached / cached (p50)", measured: results.validation.ratio, limit: 20, kind: "min" },
  ];
  if (tetherMessage.length > 0)
    list.splice(4, 0, {
      name: "W3 message p50, Tether / floor with D1 (10 sessions)",
      measured: pairedRatio(tetherMessage, floorMessage, (run) => run.p50),
      limit: 2,
      kind: "max",
    });
  return list;
}

function connectSection(results: BenchResults): string {
  const rows: string[] = [];
  const ratios: string[] = [];
  for (const sockets of results.config.w1Sockets) {
    for (const peer of PEERS) {
      const runs = results.connect[peer]?.[sockets] ?? [];
      if (runs.length === 0) continue;
      rows.push(
        `| ${peer} | ${sockets} | ${ms(medianOf(runs, (run) => run.allOpenMs))} | ${ms(medianOf(runs, (run) => run.p50))} | ${ms(medianOf(runs, (run) => run.p99))} | ${medianOf(runs, (run) => run.cpuMs).toFixed(2)} | ${medianOf(runs, (run) => run.peakMb).toFixed(0)} |`,
      );
      if (peer !== "tether") {
        const tether = results.connect.tether?.[sockets] ?? [];
        ratios.push(
          `| ${peer} | ${sockets} | ${times(pairedRatio(tether, runs, (run) => run.p50))} | ${times(pairedRatio(tether, runs, (run) => run.p99))} |`,
        );
      }
    }
  }
  return [
    "## W1 connect",
    "",
    `N authenticated sockets, each its own session, opened ${results.config.connectConcurrency} at a time; latency from \`new WebSocket\` to usable (Tether: \`connection_established\`; socket.io: its \`connect\`). Tether validates every token through the auth Worker (fresh sessions each run, so never from the cache) and opens a session object per socket; partyserver and socket.io verify the signature with jose; the floor checks nothing. Server CPU is the server process's user + system time (from /proc) over the run, per socket, open and close; memory is its peak resident set (workerd; Node for socket.io) since it started.`,
    "",
    "| peer | sockets | all open (ms) | connect p50 (ms) | connect p99 (ms) | server CPU per connect (ms) | peak server memory (MB) |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Tether relative to each peer (median of per-run ratios; above 1 means Tether is slower):",
    "",
    "| peer | sockets | p50 | p99 |",
    "|---|---|---|---|",
    ...ratios,
  ].join("\n");
}

function pingSection(results: BenchResults): string {
  const { pings, sockets, pingsPerSocket } = results.config.w2;
  const rows = PEERS.flatMap((peer) => {
    const runs = results.ping[peer] ?? [];
    if (runs.length === 0) return [];
    const tether = results.ping.tether ?? [];
    const ratio =
      peer === "tether"
        ? ""
        : ` ${times(pairedRatio(tether, runs, (run) => run.single.p50))} / ${times(pairedRatio(tether, runs, (run) => run.many.p50))}`;
    return [
      `| ${peer} | ${ms(medianOf(runs, (run) => run.single.p50))} | ${ms(medianOf(runs, (run) => run.single.p99))} | ${medianOf(runs, (run) => run.cpuUs).toFixed(0)} | ${ms(medianOf(runs, (run) => run.many.p50))} | ${ms(medianOf(runs, (run) => run.many.p99))} |${ratio} |`,
    ];
  });
  return [
    "## W2 ping",
    "",
    `Round trip of one small frame: Tether \`ping\` → \`pong\` (a JSON frame parsed, validated and answered by the session object), the others' echo. One socket: ${pings} pings one after another; ${sockets} sockets at once: ${pingsPerSocket} each.`,
    "",
    `| peer | 1 socket p50 (ms) | 1 socket p99 (ms) | server CPU per ping (µs) | ${sockets} sockets p50 (ms) | ${sockets} sockets p99 (ms) | Tether / peer, p50 (1 / ${sockets}) |`,
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function messageSection(results: BenchResults): string {
  const rows: string[] = [];
  for (const sessions of results.config.w3.sessions) {
    for (const peer of ["tether", "floor"] as const) {
      const runs = results.message[peer]?.[sessions] ?? [];
      if (runs.length === 0) continue;
      const ratio = peer === "floor" ? ` ${times(pairedRatio(results.message.tether?.[sessions] ?? [], runs, (run) => run.p50))} |` : " |";
      rows.push(
        `| ${peer === "floor" ? "floor (same D1 batches)" : "tether"} | ${sessions} | ${ms(medianOf(runs, (run) => run.p50))} | ${ms(medianOf(runs, (run) => run.p99))} | ${medianOf(runs, (run) => run.perSecond).toFixed(0)} | ${medianOf(runs, (run) => run.cpuMs).toFixed(2)} |${ratio}`,
      );
    }
  }
  return [
    "## W3 message",
    "",
    "`user_message` → `agent_completed` with the demo agent: one D1 batch to store the message, the agent's events streamed (ack, started, thinking, tool call, partial results, report, completed), one D1 batch for the outcome. The floor variant does the same two D1 batches per message with no agent and no auth, and answers once. Each session sends its next message when the last completed.",
    "",
    "| peer | sessions | p50 (ms) | p99 (ms) | messages/s | server CPU per message (ms) | Tether / floor, p50 |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function validationSection(results: BenchResults): string {
  const { cached, uncached, ratio, rounds } = results.validation;
  const us = (value: number) => (value * 1000).toFixed(1);
  return [
    "## W4 validation",
    "",
    `One token validation inside the backend's auth gateway (bench/probe), ${rounds} rounds: from the token cache, and through the service binding to the auth Worker (signature, claims, and the session row in D1).`,
    "",
    "| | p50 (µs) | p99 (µs) |",
    "|---|---|---|",
    `| cached | ${us(cached.p50)} | ${us(cached.p99)} |`,
    `| uncached (RPC to auth) | ${us(uncached.p50)} | ${us(uncached.p99)} |`,
    "",
    `Cached is ${ratio.toFixed(0)}× faster (median of per-round ratios).`,
  ].join("\n");
}

function heldSection(results: BenchResults): string {
  const rows = PEERS.flatMap((peer) => {
    const held = results.held[peer];
    if (!held) return [];
    return [
      `| ${peer} | ${held.sockets} | ${held.holdSeconds} | ${held.rssBeforeMb.toFixed(0)} | ${held.rssHeldMb.toFixed(0)} | ${held.kbPerSocket.toFixed(1)} | ${held.dropped} |`,
    ];
  });
  return [
    "## W5 held",
    "",
    "Idle sockets opened on every peer at once and held; memory per socket is the growth of the server's resident memory over the socket count (so it includes each Tether session's object, which may hibernate).",
    "",
    "| peer | sockets | held (s) | RSS before (MB) | RSS held (MB) | KB per socket | dropped |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function hotTable(title: string, functions: ProfileResults["ping"]): string {
  return [
    `**${title}**`,
    "",
    "| function (bundle:line) | share of busy time |",
    "|---|---|",
    ...functions.map((hot) => `| \`${hot.name}\` | ${(hot.share * 100).toFixed(1)}% |`),
  ].join("\n");
}

function profileSection(results: BenchResults): string {
  const { profiles } = results;
  return [
    "## Where Tether's time goes",
    "",
    "Sampling CPU profiles (100 µs) of Tether's Workers through workerd's inspector, taken on a separate Tether after the measured runs: self time per function, as a share of the time the Worker was busy. Names in parentheses are native (the runtime's own work: socket sends, crypto, SQLite).",
    "",
    hotTable("Backend Worker and session objects, while 300 sockets connect", profiles.connectBackend),
    "",
    hotTable("Auth Worker, while those 300 tokens are validated over RPC", profiles.connectAuth),
    "",
    hotTable("Backend Worker and session object, while one socket pings 3,000 times", profiles.ping),
    "",
    hotTable("Backend Worker and session objects, while 10 sessions send 25 messages each", profiles.message),
  ].join("\n");
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
  for (const peer of ["tether", "floor"] as const) {
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

export function renderReport(results: BenchResults, chartFile: string): string {
  const { config } = results;
  return [
    "# Tether benchmarks",
    "",
    `Written by \`npm run bench${config.mode === "quick" ? " -- --quick" : ""}\` on ${results.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC in ${results.seconds.toFixed(0)} s: ${config.mode} mode, each workload ${config.runs} time${config.runs === 1 ? "" : "s"} (tables give the median of the runs' percentiles). Every server runs on this machine on 127.0.0.1 in its own process, started by the harness — Tether's two Workers in one workerd through Miniflare (no dev-server proxy), the floor and partyserver in a workerd each, socket.io in Node — and is driven by real WebSocket clients from the harness's own Node process. Local workerd and local D1 (SQLite files) are not Cloudflare's network: compare the peers of one run with each other, not with production.`,
    "",
    "## Machine",
    "",
    machine(),
    "",
    "## Targets",
    "",
    "| target | measured | target | |",
    "|---|---|---|---|",
    ...targets(results).map(targetRow),
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
    profileSection(results),
    "",
  ].join("\n");
}
