import { resolve } from "node:path";
import { build } from "esbuild";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/**
 * The auth Worker as an auxiliary Worker for the backend's tests. The test plugin runs
 * auxiliary Workers from built JavaScript, so it is bundled first; its bindings come from its own
 * wrangler.toml, so the tests run it exactly as configured.
 */
export async function authAuxiliaryWorker() {
  const outfile = resolve(".build/test/auth-worker.js");
  await build({
    entryPoints: ["workers/auth/index.ts"],
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
  const { workerOptions } = unstable_getMiniflareWorkerOptions("workers/auth/wrangler.toml");
  // Module rules and the root describe unbundled sources; the bundle is one file outside that root.
  const { modulesRules: _unusedForBundles, rootPath: _unusedRoot, ...bundledWorkerOptions } = workerOptions;
  return {
    ...bundledWorkerOptions,
    name: "tether-auth",
    modules: true,
    scriptPath: outfile,
    // The backend under test is the plugin's runner Worker: session sync reaches its real
    // SessionControl entrypoint.
    serviceBindings: { BACKEND: { name: "vitest-plugin-runner-backend", entrypoint: "SessionControl" } },
  };
}
