// Shared by the benchmarks: Workers in one `wrangler dev` on 127.0.0.1 (by default the backend
// and auth, as `npm run dev` runs them), with fresh local state and service credentials, and a
// signed-up user. The first config must answer /auth/* (the backend and the probe both forward it).
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, registerBackendServiceClient } from "../scripts/local-state.mjs";
import { startWranglerDev, temporaryStateDir } from "../test/support/node/wrangler-dev.ts";

export interface BenchServer {
  origin: string;
  accessToken: string;
  stop(): Promise<void>;
}

const BACKEND_AND_AUTH = ["wrangler.toml", "workers/auth/wrangler.toml"];

export async function startBenchServer(extraArgs: string[] = [], configs = BACKEND_AND_AUTH): Promise<BenchServer> {
  const state = temporaryStateDir();
  const secret = randomBytes(32).toString("base64url");
  applyLocalMigrations(state.path, { quiet: true });
  registerBackendServiceClient(secret, state.path);
  const server = await startWranglerDev([
    ...configs.flatMap((config) => ["-c", config]), "--persist-to", state.path,
    "--var", `AUTH_SERVICE_SECRET:${secret}`, ...extraArgs,
  ]);
  const registered = await fetch(`${server.origin}/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: `bench-${crypto.randomUUID()}@example.com`, password: "correct horse battery", name: "Bench" }),
  });
  const { access_token } = (await registered.json()) as { access_token: string };
  return {
    origin: server.origin,
    accessToken: access_token,
    stop: async () => {
      await server.stop();
      state.remove();
    },
  };
}

export const sorted = (samples: number[]) => [...samples].sort((a, b) => a - b);

/** The p-th percentile of an ascending list. */
export function percentile(ascending: number[], p: number): number {
  return ascending[Math.min(ascending.length - 1, Math.floor((p / 100) * ascending.length))] ?? Number.NaN;
}
