// Shared by the benchmarks: both Workers in one `wrangler dev` on 127.0.0.1, with fresh local
// state and service credentials, and a signed-up user.
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, registerBackendServiceClient } from "../scripts/local-state.mjs";
import { startWranglerDev, temporaryStateDir } from "../test/support/node/wrangler-dev.ts";

export interface BenchServer {
  origin: string;
  accessToken: string;
  stop(): Promise<void>;
}

export async function startBenchServer(extraArgs: string[] = []): Promise<BenchServer> {
  const state = temporaryStateDir();
  const secret = randomBytes(32).toString("base64url");
  applyLocalMigrations(state.path, { quiet: true });
  registerBackendServiceClient(secret, state.path);
  const server = await startWranglerDev([
    "-c", "wrangler.toml", "-c", "workers/auth/wrangler.toml", "--persist-to", state.path,
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
