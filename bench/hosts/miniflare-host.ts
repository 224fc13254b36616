// Hosts Workers in one Miniflare instance (its own workerd process) for the benchmarks, the way
// production runs them: no dev-server proxy in front. Run by the harness as a child process:
//   node bench/hosts/miniflare-host.ts '<HostSpec json>'
// It prints READY once listening, and stops cleanly on SIGTERM.
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { bundledWorker, type BundledWorker, type BundleOptions } from "../../test/support/node/bundled-worker.ts";
import { meteredBundle, type MeterD1Options } from "./metered-entry.ts";

export interface HostSpec {
  port: number;
  /** Opens workerd's inspector here (for CPU profiles). */
  inspectorPort?: number;
  /** The `--persist-to` folder of local state (migrations already applied by the harness). */
  persistTo: string;
  /** The first Worker answers on the port; the others are reachable through bindings. */
  workers: Array<{
    name: string;
    config: string;
    entry: string;
    /** The config's section to run (`dev` for Tether's own Workers). */
    environment?: string;
    vars?: Record<string, string>;
    bundle?: BundleOptions;
    /** URL patterns this Worker answers instead of the first (e.g. a harness-only route). */
    routes?: string[];
    /** Replaces the config's service bindings (a Worker bound to one that is not in this host). */
    serviceBindings?: Record<string, string | { name: string; entrypoint: string }>;
    /** Counts (and delays, by the var BENCH_D1_LATENCY_MS) every D1 round trip of this Worker. */
    meterD1?: MeterD1Options;
    /** Replaces the limits of the config's rate-limit bindings, by binding name (a bench host's, not a product default). */
    rateLimits?: Record<string, { limit: number; period: 10 | 60 }>;
  }>;
}

type RateLimitBindings = BundledWorker["ratelimits"];

function withLimits(bindings: RateLimitBindings, limits: Record<string, { limit: number; period: 10 | 60 }>): RateLimitBindings {
  const replaced = { ...bindings };
  for (const [name, simple] of Object.entries(limits)) {
    const binding = replaced[name];
    if (!binding) throw new Error(`no rate-limit binding ${name} to replace`);
    replaced[name] = { ...binding, simple };
  }
  return replaced;
}

/** The D1 bindings the Worker's config declares (a list of names, or names to databases). */
function d1Bindings(options: BundledWorker): string[] {
  const databases = options.d1Databases ?? {};
  return Array.isArray(databases) ? databases : Object.keys(databases);
}

const spec = JSON.parse(process.argv[2] ?? "{}") as HostSpec;
const workers = await Promise.all(
  spec.workers.map(async (worker) => {
    const options = await bundledWorker(worker.name, worker.config, worker.entry, worker.environment, worker.bundle);
    const bundlePath = typeof options.scriptPath === "string" ? options.scriptPath : undefined;
    if (worker.meterD1 && !bundlePath) throw new Error(`${worker.name}: no bundle to meter`);
    const metered =
      worker.meterD1 && bundlePath ? await meteredBundle(worker.name, bundlePath, d1Bindings(options), worker.meterD1) : undefined;
    return {
      ...options,
      ...(metered ? { scriptPath: metered } : {}),
      ...(worker.rateLimits ? { ratelimits: withLimits(options.ratelimits, worker.rateLimits) } : {}),
      bindings: { ...options.bindings, ...worker.vars },
      ...(worker.serviceBindings ? { serviceBindings: worker.serviceBindings } : {}),
      ...(worker.routes ? { routes: worker.routes } : {}),
    };
  }),
);
// wrangler describes Workers in Miniflare's v4 options; this Miniflare takes them converted.
const miniflare = new Miniflare({
  ...convertV4MiniflareOptions({ host: "127.0.0.1", port: spec.port, workers }),
  ...(spec.inspectorPort ? { inspectorPort: spec.inspectorPort } : {}),
  // The same layout as `wrangler --persist-to`, so the harness prepares state with wrangler.
  resourcePersistencePath: join(spec.persistTo, "v3"),
});
await miniflare.ready;
console.log("READY");
process.on("SIGTERM", () => {
  void miniflare.dispose().then(() => process.exit(0));
});
