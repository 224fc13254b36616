// The targets of RESULTS.md (performance round 3): each a ratio against a peer of the same
// run, or an absolute bound, with how far it is met or missed. Reported, never asserted in tests.
import type { BenchResults } from "./report.ts";
import { ms, times } from "./format.ts";
import { lastToldPercentiles } from "./sections-events.ts";
import { pairedRatio } from "./stats.ts";

interface Target {
  name: string;
  measured: number;
  limit: number;
  /** "max": measured must not exceed the limit; "min": it must reach it. */
  kind: "max" | "min";
  /** A ratio of peers, milliseconds, or D1 round trips. */
  unit: "×" | "ms" | "round trips" | "KiB";
}

function targetRow(target: Target): string {
  const met = target.kind === "max" ? target.measured <= target.limit : target.measured >= target.limit;
  const off = target.kind === "max" ? target.measured / target.limit - 1 : 1 - target.measured / target.limit;
  const percent = off * 100;
  const verdict =
    target.measured === Number.POSITIVE_INFINITY
      ? "**missed: a socket was never told**"
      : !Number.isFinite(target.measured)
        ? "not measured"
        : met
          ? "met"
          : target.unit === "round trips"
            ? `**missed by ${target.measured - target.limit}**`
            : `**missed by ${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)}%**`;
  const show = (value: number) =>
    target.unit === "ms"
      ? `${ms(value)} ms`
      : target.unit === "×"
        ? times(value)
        : target.unit === "KiB"
          ? `${value.toFixed(1)} KiB`
          : Number.isFinite(value)
            ? String(value)
            : "–";
  const limit =
    target.unit === "ms"
      ? `${target.limit} ms`
      : target.unit === "×"
        ? `${target.limit}×`
        : target.unit === "KiB"
          ? `${target.limit} KiB`
          : String(target.limit);
  return `| ${target.name} | ${show(target.measured)} | ${target.kind === "max" ? "≤" : "≥"} ${limit} | ${verdict} |`;
}

function pingTargets(results: BenchResults): Target[] {
  const tether = results.ping.tether ?? [];
  const many = results.config.w2.sockets;
  return (["partyserver", "floor"] as const).flatMap((peer) => {
    const theirs = results.ping[peer] ?? [];
    // Against partyserver at one socket (≤ 1×); against the floor at both sizes (≤ 1.1×).
    const single = { name: `W2 ping p50, Tether / ${peer} (1 socket)`, measured: pairedRatio(tether, theirs, (run) => run.single.p50) };
    const several = {
      name: `W2 ping p50, Tether / ${peer} (${many} sockets)`,
      measured: pairedRatio(tether, theirs, (run) => run.many.p50),
    };
    const limit = peer === "partyserver" ? 1 : 1.1;
    return (peer === "partyserver" ? [single] : [single, several]).map((target) => ({
      ...target,
      limit,
      kind: "max" as const,
      unit: "×" as const,
    }));
  });
}

/** Memory per idle socket: ≤ 1.5× the floor's and no more than the Agents SDK's, at each size. */
function heldTargets(results: BenchResults): Target[] {
  return Object.entries(results.held.bySockets).flatMap(([sockets, byPeer]) =>
    (
      [
        ["floor", 1.5],
        ["agents", 1],
      ] as const
    ).map(([peer, limit]) => ({
      name: `W5 memory per idle socket, Tether / ${peer === "agents" ? "Agents SDK" : peer} (${sockets} sockets)`,
      measured: (byPeer.tether?.kbPerSocket ?? Number.NaN) / (byPeer[peer]?.kbPerSocket ?? Number.NaN),
      limit,
      kind: "max" as const,
      unit: "×" as const,
    })),
  );
}

/** Each Worker's upload as `wrangler deploy --dry-run` builds it, gzipped: auth ≤ 150 KiB, backend ≤ 300 KiB. */
function bundleTargets(results: BenchResults): Target[] {
  return (
    [
      ["tether-auth", 150],
      ["tether-backend", 300],
    ] as const
  ).map(([worker, limit]) => ({
    name: `W7 bundle, ${worker} (gzip)`,
    measured: (results.coldStart.bundles.find((bundle) => bundle.worker === worker)?.gzipBytes ?? Number.NaN) / 1024,
    limit,
    kind: "max" as const,
    unit: "KiB" as const,
  }));
}

/**
 * W3 against the floor with D1: ≤ 1.3× with a local D1; ≤ 1.1× with a remote one, where both pay
 * the same round trips and Tether's own work weighs less.
 */
function messageFloorTargets(results: BenchResults): Target[] {
  const delay = results.config.d1LatencyMs;
  const ratio = (message: BenchResults["message"], sessions: number) =>
    pairedRatio(message.tether?.[sessions] ?? [], message.floor?.[sessions] ?? [], (run) => run.p50);
  const own: Target = {
    name: `W3 message p50, Tether / floor with D1 (10 sessions${delay > 0 ? `, D1 +${delay} ms` : ""})`,
    measured: ratio(results.message, 10),
    limit: delay > 0 ? 1.1 : 1.3,
    kind: "max",
    unit: "×",
  };
  const remote = results.messageRemoteD1;
  if (!remote) return [own];
  const withRemote: Target = {
    name: `W3 message p50, Tether / floor with D1 (${remote.sessions} sessions, D1 +${remote.latencyMs} ms)`,
    measured: ratio(remote.results, remote.sessions),
    limit: 1.1,
    kind: "max",
    unit: "×",
  };
  return [own, withRemote];
}

/** The last socket told, p99 over the repetitions (a socket never told: missed). */
function fanOutTargets(results: BenchResults): Target[] {
  if (!results.fanOut) return [];
  const { sessionsOfOneUser, users } = results.config.w8;
  return [
    { name: `W8 one publish to one user, last of ${sessionsOfOneUser} sessions told (p99)`, runs: results.fanOut.oneUser },
    { name: `W8 a publish to each of ${users} users, last socket told (p99)`, runs: results.fanOut.manyUsers },
  ].map(({ name, runs }) => ({ name, measured: lastToldPercentiles(runs).p99, limit: 1000, kind: "max", unit: "ms" }));
}

/** Both databases together, the worst repetition deciding (issue #24: connect 0, a message 1 + 1, a cached /api/me 0). */
function roundTripTargets(results: BenchResults): Target[] {
  return (results.d1RoundTrips ?? [])
    .filter((row) => row.target !== null && !row.operation.startsWith("floor"))
    .map((row) => ({
      name: `D1 round trips: ${row.operation}`,
      measured: Math.max(...row.app.map((app, index) => app + (row.auth[index] ?? 0))),
      limit: row.target ?? 0,
      kind: "max",
      unit: "round trips",
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
      limit: 1.2,
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
    ...messageFloorTargets(results),
    {
      name: `W6 logout-all, last of ${results.config.w6.sessionsOfOneUser * 2} sockets told (max over runs)`,
      measured: logoutAllMax,
      limit: 1000,
      kind: "max",
      unit: "ms",
    },
    ...fanOutTargets(results),
    { name: "W4 validation, uncached / cached (p50)", measured: results.validation.ratio, limit: 20, kind: "min", unit: "×" },
    ...roundTripTargets(results),
    ...bundleTargets(results),
  ];
}

export function targetsTable(results: BenchResults): string {
  return ["| target | measured | target | |", "|---|---|---|---|", ...targets(results).map(targetRow)].join("\n");
}
