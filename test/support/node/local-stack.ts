import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLocalMigrations, registerBackendServiceClient } from "../../../scripts/local-state.mjs";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
import { freePort, startWranglerDev, type RunningWrangler, temporaryStateDir } from "./wrangler-dev.js";

/**
 * Tether as separate `wrangler dev` processes on 127.0.0.1, joined by a private dev registry, so
 * each takes its own settings: the auth Worker, the backend, and optionally the local OIDC provider
 * (configured as the `dev` provider, its issuer on its real port) and a TCP proxy in front of the
 * backend for cutting the network.
 */
export interface StackOptions {
  authVars?: Record<string, string>;
  backendVars?: Record<string, string>;
  provider?: boolean;
  proxy?: boolean;
}

export interface LocalStack {
  auth: RunningWrangler;
  backend: RunningWrangler;
  provider: RunningWrangler | null;
  proxy: TcpProxy | null;
  /** Where clients connect: the proxy when there is one, else the backend. */
  origin: string;
  /** The backend's service-client secret, registered for this stack only. */
  serviceSecret: string;
  stop(): Promise<void>;
}

const varArgs = (vars: Record<string, string>) => Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const state = temporaryStateDir();
  const registry = mkdtempSync(join(tmpdir(), "tether-registry-"));
  applyLocalMigrations(state.path, { quiet: true });
  const secret = randomBytes(32).toString("base64url");
  registerBackendServiceClient(secret, state.path);
  const env = { WRANGLER_REGISTRY_PATH: registry };
  const persist = ["--persist-to", state.path];
  const backendPort = await freePort();

  let provider: RunningWrangler | null = null;
  const authVars: Record<string, string> = { ALLOWED_RETURN_ORIGINS: `http://127.0.0.1:${backendPort}`, ...options.authVars };
  if (options.provider) {
    const providerPort = await freePort();
    const issuer = `http://127.0.0.1:${providerPort}`;
    provider = await startWranglerDev(["-c", "workers/dev-oidc/wrangler.toml", "--var", `ISSUER:${issuer}`], { port: providerPort });
    authVars.OAUTH_PROVIDERS = JSON.stringify({ dev: { type: "oidc", name: "dev provider", issuer, client_id: "tether-dev" } });
  }
  const auth = await startWranglerDev(["-c", "workers/auth/wrangler.toml", "--env", "dev", ...persist, ...varArgs(authVars)], { env });
  const backend = await startWranglerDev(
    ["-c", "wrangler.toml", "--env", "dev", ...persist, ...varArgs({ AUTH_SERVICE_SECRET: secret, ...options.backendVars })],
    { env, port: backendPort },
  );
  const proxy = options.proxy ? await startTcpProxy(backend.origin) : null;
  return {
    auth,
    backend,
    provider,
    proxy,
    origin: proxy?.origin ?? backend.origin,
    serviceSecret: secret,
    async stop() {
      await proxy?.close();
      await backend.stop();
      await auth.stop();
      await provider?.stop();
      state.remove();
      rmSync(registry, { recursive: true, force: true });
    },
  };
}
