// W4 validation: one token validation from the token cache versus through the auth Worker's
// service binding. A bench-only probe Worker (bench/probe/) runs the backend's own auth gateway N
// times inside one request, bound to a real auth Worker; timing a request of 1 and of N + 1
// validations and dividing the difference by N gives one validation free of HTTP overhead (a
// Worker's clock does not advance during CPU work, so the timing is done here).
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, registerBackendServiceClient } from "../../scripts/local-state.mjs";
import { freePort, temporaryStateDir } from "../../test/support/node/wrangler-dev.ts";
import type { BenchConfig } from "../lib/config.ts";
import { startMiniflareHost } from "../lib/processes.ts";
import { Latencies, median, type Percentiles } from "../lib/stats.ts";
import { mintTokens } from "../lib/tokens.ts";

const VALIDATIONS = { cached: 2000, rpc: 100 } as const;

export interface ValidationResult {
  cached: Percentiles;
  uncached: Percentiles;
  /** Median over rounds of uncached / cached, each pair from one round. */
  ratio: number;
  rounds: number;
}

export async function runValidation(config: BenchConfig): Promise<ValidationResult> {
  const state = temporaryStateDir();
  applyLocalMigrations(state.path, { backend: false, quiet: true });
  const secret = randomBytes(32).toString("base64url");
  registerBackendServiceClient(secret, state.path);
  const probe = await startMiniflareHost("probe", {
    port: await freePort(),
    persistTo: state.path,
    workers: [
      {
        name: "tether-bench-probe",
        config: "bench/probe/wrangler.toml",
        entry: "bench/probe/probe.ts",
        vars: { AUTH_SERVICE_SECRET: secret },
      },
      // No backend here: session sync has nowhere to go, and validation does not need it.
      {
        name: "tether-auth",
        config: "workers/auth/wrangler.jsonc",
        environment: "dev",
        entry: "workers/demo/auth.ts",
        serviceBindings: {},
      },
    ],
  });
  try {
    const [minted] = await mintTokens(probe.origin, 1);
    const token = minted?.token ?? "";
    const timeRequest = async (mode: keyof typeof VALIDATIONS, validations: number) => {
      const started = performance.now();
      const response = await fetch(`${probe.origin}/?mode=${mode}&n=${validations}`, { headers: { Authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 204) throw new Error(`probe answered ${response.status}`);
      return performance.now() - started;
    };
    const perValidation = async (mode: keyof typeof VALIDATIONS) => {
      const single = await timeRequest(mode, 1);
      const many = await timeRequest(mode, VALIDATIONS[mode] + 1);
      return Math.max(0, many - single) / VALIDATIONS[mode];
    };
    for (let warm = 0; warm < 3; warm += 1)
      await Promise.all([timeRequest("cached", VALIDATIONS.cached), timeRequest("rpc", VALIDATIONS.rpc)]);
    const cached = new Latencies();
    const uncached = new Latencies();
    const ratios: number[] = [];
    for (let round = 0; round < config.w4.rounds; round += 1) {
      const fromCache = await perValidation("cached");
      const throughBinding = await perValidation("rpc");
      cached.record(fromCache);
      uncached.record(throughBinding);
      ratios.push(throughBinding / Math.max(fromCache, 0.001));
    }
    return { cached: cached.summary(), uncached: uncached.summary(), ratio: median(ratios), rounds: config.w4.rounds };
  } finally {
    await probe.stop();
    state.remove();
  }
}
