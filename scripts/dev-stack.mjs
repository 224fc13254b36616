/**
 * @module
 * How Tether runs locally, shared by `npm run dev` (scripts/dev.mjs) and the end-to-end tests
 * (test/support/node/local-stack.ts), so both start the same way: the backend, the auth Worker
 * and the local OIDC provider as three `wrangler dev` processes on loopback, the first two joined
 * by a private dev registry. One origin for the browser — the backend forwards /auth/* to auth
 * over its service binding — while each Worker takes its own flags and vars (`wrangler dev --var`
 * reaches only the first config of a multi-config run, so one process per Worker is what lets the
 * provider's port, and with it auth's provider settings, follow the app's).
 */
import { createServer } from "node:net";

export const WRANGLER = "node_modules/wrangler/bin/wrangler.js";

/** The local provider, registered with auth twice: as OIDC, and GitHub-style (workers/dev-oidc). */
export function devProviders(providerOrigin) {
  return JSON.stringify({
    dev: { type: "oidc", name: "dev provider", issuer: providerOrigin, client_id: "tether-dev" },
    "dev-github": {
      type: "github",
      name: "dev GitHub",
      client_id: "tether-dev",
      web_url: `${providerOrigin}/github`,
      api_url: `${providerOrigin}/github/api`,
    },
  });
}

/**
 * The auth Worker's vars that follow where the app and the provider listen: where a provider
 * sign-in may return (the app on both loopback names), the providers, and where mail links go.
 */
export function devAuthVars(appOrigin, providerOrigin) {
  const port = new URL(appOrigin).port;
  return {
    ALLOWED_RETURN_ORIGINS: `http://localhost:${port} http://127.0.0.1:${port}`,
    MAIL_LINK_ORIGIN: appOrigin,
    ...(providerOrigin ? { OAUTH_PROVIDERS: devProviders(providerOrigin) } : {}),
  };
}

const varArgs = (vars) => Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);

/**
 * The `wrangler dev` arguments that say which Worker runs how: its config and section (`[env.dev]`;
 * the provider has no sections), its local state, its vars. The caller adds where it listens.
 */
export function devArgs(worker, { persistTo, vars = {}, extra = [] } = {}) {
  const config = {
    backend: ["-c", "wrangler.jsonc", "--env", "dev"],
    auth: ["-c", "workers/auth/wrangler.jsonc", "--env", "dev"],
    provider: ["-c", "workers/dev-oidc/wrangler.jsonc"],
  }[worker];
  return [...config, ...(persistTo && worker !== "provider" ? ["--persist-to", persistTo] : []), ...varArgs(vars), ...extra];
}

/** Where a `wrangler dev` listens, as arguments. */
export function listenArgs({ port, ip = "127.0.0.1", inspectorPort }) {
  return ["--ip", ip, "--port", String(port), ...(inspectorPort ? ["--inspector-port", String(inspectorPort)] : [])];
}

/** Whether `port` can be listened on at `host` right now. */
export function portIsFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port the OS says is free on 127.0.0.1. */
export function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
