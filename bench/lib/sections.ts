// RESULTS.md's workload sections W1–W5 and the profiles: a table per workload, each peer's
// median over the runs, and Tether's ratio to each peer taken run by run.
import type { BenchResults } from "./report.ts";
import type { ProfileResults } from "../workloads/profile.ts";
import { ms, PEERS, times } from "./format.ts";
import { medianOf, pairedRatio } from "./stats.ts";

export function connectSection(results: BenchResults): string {
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
    `N authenticated sockets, each its own session, opened ${results.config.connectConcurrency} at a time; latency from \`new WebSocket\` to usable (Tether: \`connection_established\`; socket.io: its \`connect\`). Tether verifies every token in the backend against the auth Worker's keys (signature and claims, no auth call and no D1 query; the session object is the authority on revocation) and opens a session object per socket; partyserver and socket.io verify the signature with jose; the floor checks nothing. Server CPU is the server process's user + system time (from /proc) over the run, per socket, open and close; memory is its peak resident set (workerd; Node for socket.io) since it started.`,
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

export function pingSection(results: BenchResults): string {
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

const MESSAGE_PEERS = [
  { peer: "tether", label: "tether" },
  { peer: "agents", label: "agents (own SQLite)" },
  { peer: "floor", label: "floor (same D1 batches)" },
] as const;

export function messageSection(results: BenchResults): string {
  const rows: string[] = [];
  for (const sessions of results.config.w3.sessions) {
    const tether = results.message.tether?.[sessions] ?? [];
    for (const { peer, label } of MESSAGE_PEERS) {
      const runs = results.message[peer]?.[sessions] ?? [];
      if (runs.length === 0) continue;
      const ratio = peer === "tether" ? "" : times(pairedRatio(tether, runs, (run) => run.p50));
      rows.push(
        `| ${label} | ${sessions} | ${ms(medianOf(runs, (run) => run.p50))} | ${ms(medianOf(runs, (run) => run.p99))} | ${medianOf(runs, (run) => run.perSecond).toFixed(0)} | ${medianOf(runs, (run) => run.cpuMs).toFixed(2)} | ${ratio} |`,
      );
    }
  }
  const remote = results.messageRemoteD1;
  const remoteRows = remote
    ? MESSAGE_PEERS.flatMap(({ peer, label }) => {
        const runs = remote.results[peer]?.[remote.sessions] ?? [];
        const tether = remote.results.tether?.[remote.sessions] ?? [];
        if (runs.length === 0) return [];
        const ratio = peer === "tether" ? "" : times(pairedRatio(tether, runs, (run) => run.p50));
        return [
          `| ${label} | ${remote.sessions} | ${ms(medianOf(runs, (run) => run.p50))} | ${ms(medianOf(runs, (run) => run.p99))} | ${medianOf(runs, (run) => run.perSecond).toFixed(0)} | ${ratio} |`,
        ];
      })
    : [];
  const remoteTable = remote
    ? [
        "",
        `With a remote D1: the same workload, Tether and the floor only, every D1 call of both waiting ${remote.latencyMs} ms first (the bench host's D1 wrapper, as \`--d1-latency-ms ${remote.latencyMs}\` does for a whole run):`,
        "",
        "| peer | sessions | p50 (ms) | p99 (ms) | messages/s | Tether / peer, p50 |",
        "|---|---|---|---|---|---|",
        ...remoteRows,
      ]
    : [];
  return [
    "## W3 message",
    "",
    "`user_message` → `agent_completed` with the demo agent: one D1 batch to store the message, the agent's events streamed (ack, started, thinking, tool call, partial results, report, completed: 16 frames), one D1 batch for the outcome. The Agents SDK peer runs a scripted agent of the same 16 frames, each numbered and written with the message to the agent's own SQLite (no D1, no shared database). The floor does Tether's two D1 batches per message with no agent and no auth, and answers once. Each session sends its next message when the last completed.",
    "",
    "| peer | sessions | p50 (ms) | p99 (ms) | messages/s | server CPU per message (ms) | Tether / peer, p50 |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    ...remoteTable,
  ].join("\n");
}

export function validationSection(results: BenchResults): string {
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

export function heldSection(results: BenchResults): string {
  const rows = Object.entries(results.held.bySockets).flatMap(([count, byPeer]) =>
    PEERS.flatMap((peer) => {
      const held = byPeer[peer];
      if (!held) return [];
      return [
        `| ${peer} | ${count} | ${held.sockets} | ${held.holdSeconds} | ${held.rssBeforeMb.toFixed(0)} | ${held.rssHeldMb.toFixed(0)} | ${held.kbPerSocket.toFixed(1)} | ${held.dropped} | ${held.failed} |`,
      ];
    }),
  );
  const steps = results.config.w5.steps.map((step) => `${step.sockets} (held ${step.holdSeconds} s)`);
  const { capped } = results.held;
  const cap = capped
    ? ` ${capped.asked} sockets per server do not fit this machine: no process may open more than ${capped.openFileLimit} files (the hard limit, which only a privileged user can raise), and workerd takes two descriptors per WebSocket, so the last step held ${capped.held}.`
    : "";
  return [
    "## W5 held",
    "",
    `Idle sockets on every peer at once, nothing sent, in steps: ${steps.join(", then ")} per peer (fresh sessions). The sockets are held by a child process per peer. Memory per socket is the growth of the server's resident memory, from before the first socket to the end of the step's hold, over the sockets held (so it includes each Tether session's object, which may hibernate); dropped sockets closed during the hold; failed ones were refused or timed out while opening.${cap}`,
    "",
    "| peer | per peer | held | held (s) | RSS before (MB) | RSS held (MB) | KB per socket | dropped | failed |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function hotTable(title: string, functions: ProfileResults["ping"]): string {
  // A Worker with no samples was idle: no share of its busy time to show.
  const sampled = functions.filter((hot) => Number.isFinite(hot.share));
  if (sampled.length === 0) return [`**${title}**`, "", "Idle: no samples."].join("\n");
  return [
    `**${title}**`,
    "",
    "| function (bundle:line) | share of busy time |",
    "|---|---|",
    ...sampled.map((hot) => `| \`${hot.name}\` | ${(hot.share * 100).toFixed(1)}% |`),
  ].join("\n");
}

export function profileSection(results: BenchResults): string {
  const { profiles } = results;
  return [
    "## Where Tether's time goes",
    "",
    "Sampling CPU profiles (100 µs) of Tether's Workers through workerd's inspector, taken on a separate Tether after the measured runs: self time per function, as a share of the time the Worker was busy. Names in parentheses are native (the runtime's own work: socket sends, crypto, SQLite).",
    "",
    hotTable("Backend Worker and session objects, while 300 sockets connect", profiles.connectBackend),
    "",
    hotTable("Auth Worker, while those 300 sockets connect (a connect no longer calls it)", profiles.connectAuth),
    "",
    hotTable("Backend Worker and session object, while one socket pings 3,000 times", profiles.ping),
    "",
    hotTable("Backend Worker and session objects, while 10 sessions send 25 messages each", profiles.message),
  ].join("\n");
}
