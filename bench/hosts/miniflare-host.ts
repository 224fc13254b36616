// Hosts Workers in one Miniflare instance (its own workerd process) for the benchmarks, the way
// production runs them: no dev-server proxy in front. Run by the harness as a child process:
//   node bench/hosts/miniflare-host.ts '<HostSpec json>'
// It prints READY once listening, and stops cleanly on SIGTERM.
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { bundledWorker, type BundleOptions } from "../../test/support/node/bundled-worker.ts";

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
  }>;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as HostSpec;
const workers = await Promise.all(
  spec.workers.map(async (worker) => {
    const options = await bundledWorker(worker.name, worker.config, worker.entry, worker.environment, worker.bundle);
    return {
      ...options,
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
