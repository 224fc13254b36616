import { spawnSync } from "node:child_process";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnTracked, type TrackedProcess } from "../support/node/processes.js";
import { appSignIn } from "../support/node/provider-sign-in.js";
import { freePort, temporaryStateDir } from "../support/node/wrangler-dev.js";

/**
 * `npm run dev` itself (scripts/dev.mjs), with wrangler's flags as a user passes them: the app on
 * the chosen port, the local provider following it, one origin for everything.
 */
describe("npm run dev -- --port N", () => {
  const state = temporaryStateDir();
  let dev: TrackedProcess;
  let port: number;
  let origin: string;

  beforeAll(async () => {
    port = await freePort();
    dev = spawnTracked(process.execPath, ["scripts/dev.mjs", "--port", String(port), "--persist-to", state.path], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", TETHER_DEV_PROVIDER_PORT: String(await freePort()) },
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // The provider, auth and the app: three servers ready.
        if ((output.match(/Ready on http/g) ?? []).length >= 3) resolve();
      };
      dev.child.stdout?.on("data", onData);
      dev.child.stderr?.on("data", onData);
      dev.child.once("exit", (code) => reject(new Error(`npm run dev exited with ${code}:\n${output}`)));
    });
    origin = `http://localhost:${port}`;
  });

  afterAll(async () => {
    await dev?.stop();
    state.remove();
  });

  it("serves the app on N: registers at /auth/register, and the token verifies against /.well-known/jwks.json", async () => {
    const email = `e2e-${crypto.randomUUID()}@example.com`;
    const response = await fetch(`${origin}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery", name: "E2E" }),
    });
    expect(response.status).toBe(201);
    const { access_token } = (await response.json()) as { access_token: string };
    const jwks = (await (await fetch(`${origin}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
      issuer: "http://localhost:8787",
      audience: "tether-api",
    });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload).toMatchObject({ email, token_type: "access" });
  });

  it("keeps mail in the dev mailbox, its links leading back to the app on N: the address confirmed, the password reset", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${origin}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const mailbox = async (email: string) =>
      (
        (await (await fetch(`${origin}/auth/dev/mailbox?email=${encodeURIComponent(email)}`)).json()) as {
          messages: Array<{ subject: string; text: string; token: string }>;
        }
      ).messages;
    const email = `mail-${crypto.randomUUID()}@example.com`;
    expect((await post("/auth/register", { email, password: "correct horse battery", name: "Mail" })).status).toBe(201);
    const [confirmation] = await mailbox(email);
    expect(confirmation?.text).toContain(`${origin}/#verify_email=${confirmation?.token}`);
    const verified = (await (await post("/auth/email/verify", { token: confirmation?.token })).json()) as {
      user: { email_verified: boolean };
    };
    expect(verified.user.email_verified).toBe(true);

    expect((await post("/auth/password/reset/request", { email })).status).toBe(202);
    await expect.poll(async () => (await mailbox(email)).length).toBe(2);
    const [reset] = await mailbox(email);
    expect(reset?.text).toContain(`${origin}/#reset_password=${reset?.token}`);
    expect((await post("/auth/password/reset", { token: reset?.token, password: "a brand new passphrase" })).status).toBe(204);
    expect((await post("/auth/login", { email, password: "a brand new passphrase" })).status).toBe(200);
  });

  it("serves the demo page at /, and unknown API routes in the JSON error shape", async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Tether</title>");
    const missing = await fetch(`${origin}/auth/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });

  it("points provider sign-in at the local provider on its port, calling back to N", async () => {
    const start = await fetch(`${origin}/auth/oauth/dev/start?handoff_challenge=${appSignIn().challenge}`, { redirect: "manual" });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("Location") ?? "");
    const provider = (await (await fetch(`${authorize.origin}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(provider.issuer).toBe(authorize.origin);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${origin}/auth/oauth/dev/callback`);
  });

  it("says clearly when the port is taken, and starts nothing", () => {
    const again = spawnSync(process.execPath, ["scripts/dev.mjs", "--port", String(port), "--persist-to", state.path], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`port ${port} is in use`);
  });
});
