// The targets of RESULTS.md (issue "Performance round 2"): each a ratio against a peer of the same
// run, or an absolute bound, with how far it is met or missed. Reported, never asserted in tests.
import type { BenchResults } from "./report.ts";
import { ms, times } from "./format.ts";
import { pairedRatio } from "./stats.ts";

interface Target {
  name: string;
  measured: number;
  limit: number;
  /** "max": measured must not exceed the limit; "min": it must reach it. */
  kind: "max" | "min";
  /** A ratio of peers, or milliseconds. */
  unit: "×" | "ms";
}

function targetRow(target: Target): string {
  const met = target.kind === "max" ? target.measured <= target.limit : target.measured >= target.limit;
  const off = target.kind === "max" ? target.measured / target.limit - 1 : 1 - target.measured / target.limit;
  const percent = off * 100;
  const verdict = !Number.isFinite(target.measured)
    ? "not measured"
    : met
      ? "met"
      : `**missed by ${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)}%**`;
  const show = (value: number) => (target.unit === "ms" ? `${ms(value)} ms` : times(value));
  const limit = target.unit === "ms" ? `${target.limit} ms` : `${target.limit}×`;
  return `| ${target.name} | ${show(target.measured)} | ${target.kind === "max" ? "≤" : "≥"} ${limit} | ${verdict} |`;
}

function pingTargets(results: BenchResults): Target[] {
  const tether = results.ping.tether ?? [];
  const many = results.config.w2.sockets;
  return (["partyserver", "floor"] as const).flatMap((peer) => {
    const theirs = results.ping[peer] ?? [];
    const limit = peer === "partyserver" ? 1 : 1.2;
    return [
      { name: `W2 ping p50, Tether / ${peer} (1 socket)`, measured: pairedRatio(tether, theirs, (run) => run.single.p50), limit },
      { name: `W2 ping p50, Tether / ${peer} (${many} sockets)`, measured: pairedRatio(tether, theirs, (run) => run.many.p50), limit },
    ].map((target) => ({ ...target, kind: "max" as const, unit: "×" as const }));
  });
}

function heldTargets(results: BenchResults): Target[] {
  return Object.entries(results.held.bySockets).map(([sockets, byPeer]) => ({
    name: `W5 memory per idle socket, Tether / floor (${sockets} sockets)`,
    measured: (byPeer.tether?.kbPerSocket ?? Number.NaN) / (byPeer.floor?.kbPerSocket ?? Number.NaN),
    limit: 1.2,
    kind: "max",
    unit: "×",
  }));
}

function targets(results: BenchResults): Target[] {
  const largest = Math.max(...results.config.w1Sockets);
  const tetherMessage = results.message.tether?.[10] ?? [];
  const logoutAllMax = Math.max(...results.revocation.logoutAll.map((run) => (run.missed > 0 ? Number.POSITIVE_INFINITY : run.max)));
  return [
    ...pingTargets(results),
    {
      name: `W1 connect p99 with validation, Tether / floor (${largest} sockets)`,
      measured: pairedRatio(results.connect.tether?.[largest] ?? [], results.connect.floor?.[largest] ?? [], (run) => run.p99),
      limit: 1.5,
      kind: "max",
      unit: "×",
    },
    ...heldTargets(results),
    {
      name: "W3 message p50, Tether / Agents SDK (10 sessions)",
      measured: pairedRatio(tetherMessage, results.message.agents?.[10] ?? [], (run) => run.p50),
      limit: 1,
      kind: "max",
      unit: "×",
    },
    {
      name: "W3 message p50, Tether / floor with D1 (10 sessions)",
      measured: pairedRatio(tetherMessage, results.message.floor?.[10] ?? [], (run) => run.p50),
      limit: 2,
      kind: "max",
      unit: "×",
    },
    {
      name: `W6 logout-all, last of ${results.config.w6.sessionsOfOneUser * 2} sockets told (max over runs)`,
      measured: logoutAllMax,
      limit: 1000,
      kind: "max",
      unit: "ms",
    },
    { name: "W4 validation, uncached / cached (p50)", measured: results.validation.ratio, limit: 20, kind: "min", unit: "×" },
  ];
}

export function targetsTable(results: BenchResults): string {
  return ["| target | measured | target | |", "|---|---|---|---|", ...targets(results).map(targetRow)].join("\n");
}
