import { afterAll, beforeAll } from "vitest";
import { applyLocalMigrations } from "../../../scripts/local-state.mjs";
import { startWranglerDev, temporaryStateDir, type RunningWrangler } from "./wrangler-dev.js";

/**
 * Both Workers in one `wrangler dev` on fresh local state, as `npm run dev` runs them (one origin
 * for everything), started before the calling describe block's tests and stopped after them.
 * Returns the running server, to be read inside the tests.
 */
export function oneOriginDevServer(): () => RunningWrangler {
  const state = temporaryStateDir();
  let server: RunningWrangler | undefined;

  beforeAll(async () => {
    applyLocalMigrations(state.path, { quiet: true });
    server = await startWranglerDev(["-c", "wrangler.toml", "-c", "workers/auth/wrangler.toml", "--env", "dev", "--persist-to", state.path]);
  });

  afterAll(async () => {
    await server?.stop();
    state.remove();
  });

  return () => {
    if (!server) throw new Error("the dev server has not started");
    return server;
  };
}
