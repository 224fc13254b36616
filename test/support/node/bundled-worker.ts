import { resolve } from "node:path";
import { build } from "esbuild";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/**
 * One of our Workers as Miniflare worker options: bundled with esbuild (Miniflare and the test
 * plugin's auxiliary Workers run built JavaScript, not TypeScript), with its bindings and vars read
 * from its own wrangler.toml, so it runs exactly as configured. Used by the tests and the benchmarks.
 */
/** Miniflare's worker options, with the name every bundled Worker has. */
export type BundledWorker = V4WorkerOptions & { name: string };

/**
 * `environment` picks a section of the config: Tether's Workers run their `[env.dev]` in tests and
 * benchmarks (development: dev login, self-generated keys), as under `npm run dev`.
 */
export async function bundledWorker(name: string, configPath: string, entry: string, environment?: string): Promise<BundledWorker> {
  const outfile = resolve(`.build/workers/${name}.js`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
  });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath, environment);
  // Module rules and the root describe unbundled sources; the bundle is one file outside that root.
  const { modulesRules: _unusedForBundles, rootPath: _unusedRoot, ...bundledWorkerOptions } = workerOptions;
  return { ...(bundledWorkerOptions as V4WorkerOptions), name, modules: true, scriptPath: outfile };
}
