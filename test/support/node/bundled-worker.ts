import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { build, type BuildOptions } from "esbuild";
import { wrangler } from "../../../scripts/local-state.mjs";
import { SOURCE_CONDITION } from "../../../scripts/source-conditions.mjs";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/** Miniflare's worker options, with the name every bundled Worker has. */
export type BundledWorker = V4WorkerOptions & { name: string };

export interface BundleOptions {
  /** `wrangler` for packages that need its Node-compatibility bundling (the Agents SDK); esbuild otherwise. */
  bundler?: "esbuild" | "wrangler";
  /** Runs the bundle an earlier call built, if there is one (cold starts are timed without the build). */
  reuseBundle?: boolean;
}

/**
 * One of our Workers as Miniflare worker options: bundled (Miniflare and the test plugin's
 * auxiliary Workers run built JavaScript, not TypeScript), with its bindings and vars read from its
 * own wrangler.jsonc, so it runs exactly as configured. Used by the tests and the benchmarks.
 * `environment` picks a section of the config: Tether's Workers run their `[env.dev]` in tests and
 * benchmarks (development: dev login, self-generated keys), as under `npm run dev`.
 */
export async function bundledWorker(
  name: string,
  configPath: string,
  entry: string,
  environment?: string,
  { bundler = "esbuild", reuseBundle = false }: BundleOptions = {},
): Promise<BundledWorker> {
  const outfile = bundlePath(name, entry, bundler);
  // A cold-start measurement starts from the bundle the run already built, as a deploy would.
  if (!reuseBundle || !existsSync(outfile)) {
    if (bundler === "wrangler") wranglerBundle(dirname(outfile), configPath, environment);
    else await esbuildBundle(outfile, entry);
  }
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath, environment);
  // Module rules and the root describe unbundled sources; the bundle is one file outside that root.
  const { modulesRules: _unusedForBundles, rootPath: _unusedRoot, ...bundledWorkerOptions } = workerOptions;
  return { ...(bundledWorkerOptions as V4WorkerOptions), name, modules: true, scriptPath: outfile };
}

/** What every Worker module esbuild builds here shares: one ES module for workerd, the runtime's own imports left out. */
export const WORKER_MODULE_BUILD = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2024",
  external: ["cloudflare:*", "node:*"],
  logLevel: "warning",
} as const satisfies BuildOptions;

/** Our Workers: esbuild alone is enough, and quicker than a wrangler process. */
async function esbuildBundle(outfile: string, entry: string): Promise<void> {
  await build({
    ...WORKER_MODULE_BUILD,
    entryPoints: [entry],
    outfile,
    conditions: [SOURCE_CONDITION, "workerd", "worker", "browser"],
    mainFields: ["module", "main"],
  });
}

const bundlePath = (name: string, entry: string, bundler: "esbuild" | "wrangler") =>
  bundler === "wrangler" ? resolve(`.build/workers/${name}/${basename(entry, ".ts")}.js`) : resolve(`.build/workers/${name}.js`);

/**
 * The bundle `wrangler deploy` would upload, written to `outdir` (absolute: wrangler reads a
 * relative one from the config's folder). For Workers whose packages need wrangler's own bundling
 * (Node built-ins required from CommonJS under nodejs_compat, as the Agents SDK's dependencies
 * do), and for measuring what a deploy uploads.
 */
export function wranglerBundle(outdir: string, configPath: string, environment?: string): void {
  const envArgs = environment ? ["--env", environment] : [];
  wrangler(["deploy", "--dry-run", "--outdir", outdir, "-c", configPath, ...envArgs], { quiet: true });
}
