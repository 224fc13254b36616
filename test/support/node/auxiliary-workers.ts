/**
 * @module
 * Our other Workers as auxiliary Workers of a test project, bundled (bundled-worker.ts) and
 * configured from their own wrangler.jsonc, plus the overrides given here.
 */
import { bundledWorker } from "./bundled-worker.js";

/** The auth Worker beside the backend under test (the test project `project`'s runner Worker). */
export async function authAuxiliaryWorker(project: string) {
  return {
    ...(await bundledWorker("tether-auth", "workers/auth/wrangler.jsonc", "workers/demo/auth.ts", "dev")),
    // The backend under test is the plugin's runner Worker: session sync reaches its real
    // SessionControl entrypoint.
    serviceBindings: { BACKEND: { name: `vitest-plugin-runner-${project}`, entrypoint: "SessionControl" } },
  };
}

/** The local OIDC provider, with `clients` registered (redirect URIs on the tests' origin). */
export async function devOidcAuxiliaryWorker(clients: unknown[]) {
  const worker = await bundledWorker("tether-dev-oidc", "workers/dev-oidc/wrangler.jsonc", "workers/dev-oidc/index.ts");
  return { ...worker, bindings: { ...worker.bindings, CLIENTS: JSON.stringify(clients) } };
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
