// RESULTS.md's sections for what is counted and told rather than raced against peers: D1 round
// trips per operation, W8 notification fan-out and W9 approval round trips.
import type { BenchResults } from "./report.ts";
import type { FanOutRun } from "../workloads/fan-out.ts";
import { SETTLE_MS, type RoundTripRow } from "../workloads/d1-round-trips.ts";
import { ms } from "./format.ts";
import { Latencies, medianOf } from "./stats.ts";

const span = (counts: number[]) => {
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  return counts.length === 0 ? "–" : low === high ? String(low) : `${low}–${high}`;
};

/** Both databases together against the target, the worst repetition deciding. */
export function roundTripVerdict(row: RoundTripRow): string {
  if (row.target === null) return "";
  const worst = Math.max(...row.app.map((app, index) => app + (row.auth[index] ?? 0)));
  return worst <= row.target ? "met" : `**missed (${worst} > ${row.target})**`;
}

export function d1RoundTripSection(results: BenchResults): string {
  const rows = results.d1RoundTrips ?? [];
  if (rows.length === 0) return "## D1 round trips per operation\n\nNot measured in this run.";
  const repetitions = rows[0]?.app.length ?? 0;
  return [
    "## D1 round trips per operation",
    "",
    `Every D1 call of Tether's two Workers — a statement's run, all, first or raw, a batch, an exec — counted in the bench host by a wrapper around each D1 binding (bench/hosts/workerd/d1-meter.ts; the product's code is unchanged), on the app's database (the backend and its session objects) and on auth's, with nothing else running; ${repetitions} repetition${repetitions === 1 ? "" : "s"}, a range where they differ. A split at a frame is the server's own count when it sent that frame; each count includes what the server did in the ${SETTLE_MS} ms after the operation's last frame or answer. The same wrapper waits the run's D1 delay (${results.config.d1LatencyMs ?? 0} ms) before each call.`,
    "",
    "| operation | app D1 | auth D1 | target (both) | |",
    "|---|---|---|---|---|",
    ...rows.map(
      (row) =>
        `| ${row.operation}${row.detail ? ` (${row.detail})` : ""} | ${span(row.app)} | ${span(row.auth)} | ${row.target ?? "–"} | ${roundTripVerdict(row)} |`,
    ),
  ].join("\n");
}

/** p50 and p99 over the repetitions of the last socket told; a repetition with a socket never told counts as unbounded. */
export function lastToldPercentiles(runs: FanOutRun[]): { p50: number; p99: number } {
  if (runs.some((run) => run.missed > 0)) return { p50: Number.POSITIVE_INFINITY, p99: Number.POSITIVE_INFINITY };
  const latencies = new Latencies();
  for (const run of runs) latencies.record(run.lastToldMs);
  return runs.length === 0 ? { p50: Number.NaN, p99: Number.NaN } : { p50: latencies.percentile(50), p99: latencies.percentile(99) };
}

function fanOutRow(label: string, runs: FanOutRun[]): string {
  const last = lastToldPercentiles(runs);
  const missed = runs.reduce((total, run) => total + run.missed, 0);
  return `| ${label} | ${runs[0]?.sockets ?? 0} | ${runs[0]?.publishes ?? 0} | ${runs.length} | ${ms(last.p50)} | ${ms(last.p99)} | ${ms(medianOf(runs, (run) => run.socketP50Ms))} | ${missed} |`;
}

export function fanOutSection(results: BenchResults): string {
  const fanOut = results.fanOut;
  if (!fanOut) return "## W8 notification fan-out\n\nNot measured in this run.";
  const { sessionsOfOneUser, users, publishConcurrency } = results.config.w8;
  return [
    "## W8 notification fan-out",
    "",
    `How long until the last socket has its \`notification\`, through the production path: \`POST /api/events\` with a service token holding \`events:publish\`, the auth Worker naming the user's live sessions over RPC, each session's object sending the sequenced frame. A publish names one user, so: one user with ${sessionsOfOneUser} sessions (a sign-in and a socket each) and one publish per repetition; and ${users} users with a session and a socket each, and ${users} publishes per repetition (one per user, ${publishConcurrency} in flight), timed from the first publish sent to the last of the ${users} sockets told. The bench host raises the events rate limits (600 a minute per publisher, 60 per user in the product's config) and the sessions a user may hold, not the product's defaults.`,
    "",
    "| case | sockets | publishes | repetitions | last socket p50 (ms) | last socket p99 (ms) | median socket (ms) | never told |",
    "|---|---|---|---|---|---|---|---|",
    fanOutRow("one user, many sessions", fanOut.oneUser),
    fanOutRow("many users, a session each", fanOut.manyUsers),
  ].join("\n");
}

export function approvalSection(results: BenchResults): string {
  const runs = results.approval ?? [];
  if (runs.length === 0) return "## W9 approval round trip\n\nNot measured in this run.";
  return [
    "## W9 approval round trip",
    "",
    `From sending \`approve_tool\` to the \`tool_executing\` of the approved call: the demo agent answers a message with the word "send" by asking to run \`send_summary\` (\`tool_approval_requested\`); the answer is stored (one D1 batch), and the same run goes on. ${results.config.w9.approvals} approvals one after another on one socket, each run completed before the next message.`,
    "",
    "| approvals | p50 (ms) | p99 (ms) | max (ms) |",
    "|---|---|---|---|",
    `| ${runs[0]?.count ?? 0} | ${ms(medianOf(runs, (run) => run.p50))} | ${ms(medianOf(runs, (run) => run.p99))} | ${ms(Math.max(...runs.map((run) => run.max)))} |`,
  ].join("\n");
}
