import { resolve } from "node:path";
import { build } from "esbuild";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/**
 * Our other Workers as auxiliary Workers of a test project. The test plugin runs auxiliary Workers
 * from built JavaScript, so each is bundled first; bindings and vars come from its own
 * wrangler.toml, so the tests run it exactly as configured, plus the overrides given here.
 */
async function bundledWorker(name: string, configPath: string, entry: string) {
  const outfile = resolve(`.build/test/${name}.js`);
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
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  // Module rules and the root describe unbundled sources; the bundle is one file outside that root.
  const { modulesRules: _unusedForBundles, rootPath: _unusedRoot, ...bundledWorkerOptions } = workerOptions;
  return { ...bundledWorkerOptions, name, modules: true, scriptPath: outfile };
}

/** The auth Worker beside the backend under test. */
export async function authAuxiliaryWorker() {
  return {
    ...(await bundledWorker("tether-auth", "workers/auth/wrangler.toml", "workers/auth/index.ts")),
    // The backend under test is the plugin's runner Worker: session sync reaches its real
    // SessionControl entrypoint.
    serviceBindings: { BACKEND: { name: "vitest-plugin-runner-backend", entrypoint: "SessionControl" } },
  };
}

/** The local OIDC provider, with `clients` registered (redirect URIs on the tests' origin). */
export async function devOidcAuxiliaryWorker(clients: unknown[]) {
  const worker = await bundledWorker("tether-dev-oidc", "workers/dev-oidc/wrangler.toml", "workers/dev-oidc/index.ts");
  const vars: Record<string, unknown> = "bindings" in worker && typeof worker.bindings === "object" ? { ...worker.bindings } : {};
  return { ...worker, bindings: { ...vars, CLIENTS: JSON.stringify(clients) } };
}

/**
 * Stands in for the Internet of the Worker under test (its `outboundService`): the local provider
 * answers at http://localhost:8788 as in `npm run dev`, and two hosts misbehave on purpose —
 * hangs.test never answers, broken.test answers every request with a 502 page.
 */
export const testNetwork = {
  name: "test-network",
  modules: true,
  compatibilityDate: "2026-10-01",
  serviceBindings: { DEV_OIDC: "tether-dev-oidc" },
  script: `export default {
    async fetch(request, env) {
      const { host, hostname } = new URL(request.url);
      if (host === "localhost:8788") return env.DEV_OIDC.fetch(request);
      // A pending timer, not a bare promise: workerd cancels a request whose code awaits nothing.
      if (hostname === "hangs.test") return new Promise((resolve) => setTimeout(() => resolve(new Response("too late")), 60_000));
      if (hostname === "broken.test") return new Response("<html>502 Bad Gateway</html>", { status: 502, headers: { "Content-Type": "text/html" } });
      throw new TypeError("connection refused: " + host);
    },
  };`,
};
