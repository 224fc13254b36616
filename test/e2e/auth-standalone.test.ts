import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLocalMigrations } from "../../scripts/local-state.mjs";
import { startWranglerDev, temporaryStateDir, type RunningWrangler } from "../support/node/wrangler-dev.js";

/**
 * The auth Worker needs nothing of the backend: run it alone with `wrangler dev -c
 * workers/auth/wrangler.jsonc` (no backend Worker anywhere) and use it.
 */
describe("the auth Worker on its own", () => {
  const state = temporaryStateDir();
  let auth: RunningWrangler;

  beforeAll(async () => {
    applyLocalMigrations(state.path, { backend: false, quiet: true });
    auth = await startWranglerDev(["-c", "workers/auth/wrangler.jsonc", "--env", "dev", "--persist-to", state.path]);
  });

  afterAll(async () => {
    await auth?.stop();
    state.remove();
  });

  it("serves /health", async () => {
    const response = await fetch(`${auth.origin}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", service: "auth" });
  });

  it("registers a user and hands out tokens", async () => {
    const response = await fetch(`${auth.origin}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: `alone-${crypto.randomUUID()}@example.com`, password: "correct horse battery", name: "Alone" }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { access_token: string; refresh_token: string; token_type: string };
    expect(body.token_type).toBe("Bearer");
    expect(body.access_token.split(".")).toHaveLength(3);
  });
});
