import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLocalMigrations, registerBackendServiceClient } from "../../../scripts/local-state.mjs";
import { freePort, startWranglerDev, temporaryStateDir, type RunningWrangler } from "./wrangler-dev.js";

/**
 * The local OIDC provider, the auth Worker and the backend, each in its own `wrangler dev` on
 * 127.0.0.1 (joined by a private dev registry), configured for each other: the provider's issuer
 * is its real port, and the auth Worker lets sign-ins return to the backend's origin.
 */
export interface SignInStack {
  provider: RunningWrangler;
  auth: RunningWrangler;
  backend: RunningWrangler;
  stop(): Promise<void>;
}

export async function startSignInStack(): Promise<SignInStack> {
  const state = temporaryStateDir();
  const registry = mkdtempSync(join(tmpdir(), "tether-registry-"));
  applyLocalMigrations(state.path, { quiet: true });
  const secret = randomBytes(32).toString("base64url");
  registerBackendServiceClient(secret, state.path);
  const [providerPort, backendPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${providerPort}`;
  const env = { WRANGLER_REGISTRY_PATH: registry };
  const persist = ["--persist-to", state.path];
  const providers = JSON.stringify({ dev: { type: "oidc", name: "dev provider", issuer, client_id: "tether-dev" } });

  const provider = await startWranglerDev(["-c", "workers/dev-oidc/wrangler.toml", "--var", `ISSUER:${issuer}`], { port: providerPort });
  const auth = await startWranglerDev(
    ["-c", "workers/auth/wrangler.toml", ...persist, "--var", `OAUTH_PROVIDERS:${providers}`, "--var", `ALLOWED_RETURN_ORIGINS:http://127.0.0.1:${backendPort}`],
    { env },
  );
  const backend = await startWranglerDev(["-c", "wrangler.toml", ...persist, "--var", `AUTH_SERVICE_SECRET:${secret}`], { env, port: backendPort });
  return {
    provider,
    auth,
    backend,
    async stop() {
      await backend.stop();
      await auth.stop();
      await provider.stop();
      state.remove();
      rmSync(registry, { recursive: true, force: true });
    },
  };
}
