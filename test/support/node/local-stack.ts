/**
 * @module
 * Tether as `npm run dev` runs it (scripts/dev-stack.mjs): the auth Worker, the backend and
 * optionally the local OIDC provider as separate `wrangler dev` processes on 127.0.0.1, joined by a
 * private dev registry, on fresh local state — with the test's own settings per Worker, and
 * optionally a TCP proxy in front of the backend for cutting the network. If any part fails to
 * start, the parts already started are stopped before the error is passed on.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devArgs, devAuthVars } from "../../../scripts/dev-stack.mjs";
import { applyLocalMigrations, registerBackendServiceClient } from "../../../scripts/local-state.mjs";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
import { freePort, startWranglerDev, type RunningWrangler, temporaryStateDir } from "./wrangler-dev.js";

export interface StackOptions {
  /** The auth Worker's vars; a function gets the backend's origin (the app's), known only once its port is chosen. */
  authVars?: Record<string, string> | ((backendOrigin: string) => Record<string, string>);
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
  /** The `--persist-to` folder: local D1 can be read back with wrangler. */
  persistTo: string;
  stop(): Promise<void>;
}

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const state = temporaryStateDir();
  const registry = mkdtempSync(join(tmpdir(), "tether-registry-"));
  const started: Array<{ stop(): Promise<void> }> = [];
  const cleanUp = async () => {
    for (const part of started.reverse()) await part.stop();
    state.remove();
    rmSync(registry, { recursive: true, force: true });
  };
  try {
    applyLocalMigrations(state.path, { quiet: true });
    const secret = randomBytes(32).toString("base64url");
    registerBackendServiceClient(secret, state.path);
    const env = { WRANGLER_REGISTRY_PATH: registry };
    const backendPort = await freePort();

    let provider: RunningWrangler | null = null;
    let issuer: string | undefined;
    if (options.provider) {
      const providerPort = await freePort();
      issuer = `http://127.0.0.1:${providerPort}`;
      provider = await startWranglerDev(devArgs("provider", { vars: { ISSUER: issuer } }), { port: providerPort });
      started.push(provider);
    }
    const backendOrigin = `http://127.0.0.1:${backendPort}`;
    const extraAuthVars = typeof options.authVars === "function" ? options.authVars(backendOrigin) : options.authVars;
    const authVars = { ...devAuthVars(backendOrigin, issuer), ...extraAuthVars };
    const auth = await startWranglerDev(devArgs("auth", { persistTo: state.path, vars: authVars }), { env });
    started.push(auth);
    const backend = await startWranglerDev(
      devArgs("backend", { persistTo: state.path, vars: { AUTH_SERVICE_SECRET: secret, ...options.backendVars } }),
      {
        env,
        port: backendPort,
      },
    );
    started.push(backend);
    const proxy = options.proxy ? await startTcpProxy(backend.origin) : null;
    if (proxy) started.push({ stop: () => proxy.close() });
    return {
      auth,
      backend,
      provider,
      proxy,
      origin: proxy?.origin ?? backend.origin,
      serviceSecret: secret,
      persistTo: state.path,
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
