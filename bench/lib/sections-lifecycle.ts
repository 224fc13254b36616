// RESULTS.md's sections for a session's ends and a server's beginning: W6 revocation fan-out and
// W7 cold start with bundle sizes.
import type { BenchResults } from "./report.ts";
import { medianColdStart } from "../workloads/cold-start.ts";
import type { RevocationRun } from "../workloads/revocation.ts";
import { ms, PEERS } from "./format.ts";
import { medianOf } from "./stats.ts";

function revocationRow(label: string, runs: RevocationRun[]): string {
  const worst = Math.max(...runs.map((run) => run.max));
  return `| ${label} | ${runs[0]?.sockets ?? 0} | ${ms(medianOf(runs, (run) => run.p50))} | ${ms(medianOf(runs, (run) => run.p99))} | ${ms(worst)} | ${ms(medianOf(runs, (run) => run.allToldMs))} | ${runs.reduce((total, run) => total + run.missed, 0)} |`;
}

export function revocationSection(results: BenchResults): string {
  const { sessionsOfOneUser, usersToDisable } = results.config.w6;
  return [
    "## W6 revocation fan-out",
    "",
    `How long until each socket of an ended session has its \`session_revoked\` frame, from the moment the revoking request is sent. Logout-all: one user with ${sessionsOfOneUser} sessions, two sockets each, and one \`POST /auth/logout-all\`. Disabled users: ${usersToDisable} users with one session and one socket each, disabled by an operator service (\`disableUser\` over the auth Worker's RPC with its own service token, 16 calls in flight), timed from the first call. Each revocation goes the production path: the auth Worker's batch with its outbox row, the session sync's RPC to the backend, each session object's frame and 4003 close.`,
    "",
    "| revocation | sockets | p50 (ms) | p99 (ms) | max over runs (ms) | all told (ms) | never told |",
    "|---|---|---|---|---|---|---|",
    revocationRow("logout-all", results.revocation.logoutAll),
    revocationRow("disable users", results.revocation.disableUsers),
  ].join("\n");
}

export function coldStartSection(results: BenchResults): string {
  const { starts, bundles } = results.coldStart;
  const rows = PEERS.flatMap((peer) => {
    const runs = starts[peer] ?? [];
    if (runs.length === 0) return [];
    const { listeningMs, firstAnswerMs } = medianColdStart(runs);
    const signIn = peer === "tether" ? ms(medianOf(runs, (run) => run.signInMs ?? Number.NaN)) : "";
    return [`| ${peer} | ${ms(listeningMs)} | ${ms(firstAnswerMs)} | ${signIn} |`];
  });
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  return [
    "## W7 cold start and bundle size",
    "",
    "From spawning a new server process (its bundle already built, state migrated) to its listening, and to the first answered round trip on a new socket (Tether: `ping` → `pong`; the others' echo). A new Tether has no sessions, so its first user signs in first: that sign-in is inside Tether's figure and shown on its own. The workerd peers are hosted by a Node process running Miniflare, which is part of each figure.",
    "",
    "| peer | listening (ms) | first answer (ms) | of which sign-in (ms) |",
    "|---|---|---|---|",
    ...rows,
    "",
    "Each Worker's bundle as `wrangler deploy --dry-run --outdir` builds it (Tether's Workers from their deployable top-level configs):",
    "",
    "| Worker | bundle (KB) | gzip (KB) |",
    "|---|---|---|",
    ...bundles.map((bundle) => `| ${bundle.worker} | ${kb(bundle.bytes)} | ${kb(bundle.gzipBytes)} |`),
  ].join("\n");
}
