import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { exportJWK, generateKeyPair } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import authApp from "../../workers/demo/auth.js";
import type { AuthBindings } from "../../workers/auth/config.js";
import { countRows, seedServiceClient } from "../support/auth-db.js";
import { errorOf, freshClientIp, postJson, registerUser, STRONG_PASSWORD, uniqueEmail } from "../support/http.js";

/**
 * docs/protocol.md sections 3 and 7: development features (dev login, self-generated signing keys) need
 * ENVIRONMENT = development *and* a request addressed to a loopback host; a deployment without its
 * signing secrets says so at /health and in one log line, and refuses to mint tokens.
 */
const db = env.AUTH_DB;

/** Calls the auth app directly with `vars` over the test env: a new env object is a new isolate's view. */
async function call(vars: Partial<AuthBindings>, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await authApp.fetch(new Request(url, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

function postTo(vars: Partial<AuthBindings>, url: string, body: unknown) {
  return call(vars, url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp() },
    body: JSON.stringify(body),
  });
}

async function signingKeySecret(purpose: string): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `${purpose}-${crypto.randomUUID()}`, alg: "ES256" });
}

afterEach(() => vi.restoreAllMocks());

describe("dev login", () => {
  it("signs in without a password in development on a loopback host, creating the user once", async () => {
    const email = uniqueEmail("dev");
    const first = await postJson(exports.default, "/auth/dev/login", { email });
    const second = await postJson(exports.default, "/auth/dev/login", { email, name: "Dev" });
    expect(first.status).toBe(200);
    expect(((await second.json()) as { user: { id: string } }).user.id).toBe(((await first.json()) as { user: { id: string } }).user.id);
    expect(await countRows(db, "users", "email_normalized = ?", email)).toBe(1);
  });

  it.each([
    ["in production", { ENVIRONMENT: "production" }, "http://localhost/auth/dev/login"],
    ["in staging", { ENVIRONMENT: "staging" }, "http://localhost/auth/dev/login"],
    ["in development, on a public host name", {}, "https://tether.example/auth/dev/login"],
    ["in development, on a host that only starts with 127.", {}, "http://127.0.0.1.example.com/auth/dev/login"],
  ])("is refused %s: 403 dev_login_disabled, nobody created", async (_label, vars, url) => {
    const email = uniqueEmail("refused");
    const response = await postTo(vars, url, { email });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("dev_login_disabled");
    expect(await countRows(db, "users", "email_normalized = ?", email)).toBe(0);
  });

  it("is refused before the body is read: a bad body off loopback is still 403", async () => {
    const response = await postTo({}, "https://tether.example/auth/dev/login", { nonsense: true });
    expect(response.status).toBe(403);
  });
});

describe("self-generated signing keys", () => {
  it("are used in development on loopback hosts, IPv4 and IPv6 alike", async () => {
    for (const origin of ["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787"]) {
      expect((await call({}, `${origin}/.well-known/jwks.json`)).status).toBe(200);
    }
  });

  it("are refused on a public host name even in development: 503 signing_keys_unavailable, nothing stored", async () => {
    const email = uniqueEmail("public-host");
    const response = await postTo({}, "https://tether.example/auth/register", { email, password: STRONG_PASSWORD, name: "N" });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("signing_keys_unavailable");
    expect(await countRows(db, "users", "email_normalized = ?", email)).toBe(0);
    expect((await call({}, "https://tether.example/.well-known/jwks.json")).status).toBe(503);
  });
});

describe("a deployment without its signing secrets", () => {
  const production = { ENVIRONMENT: "production" };

  it("answers /health 503 misconfigured, naming each missing secret and never a value", async () => {
    const response = await call(production, "https://auth.tether.example/health");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; environment: string; problems: string[] };
    expect(body.status).toBe("misconfigured");
    expect(body.environment).toBe("production");
    expect(body.problems.join("\n")).toMatch(/ACCESS_SIGNING_KEY is not set/);
    expect(body.problems.join("\n")).toMatch(/SERVICE_SIGNING_KEY is not set/);
    expect(body.problems.join("\n")).toMatch(/DEVICE_SIGNING_KEY is not set/);
    expect(body.problems.join("\n")).toMatch(/MFA_ENCRYPTION_KEY is not set/);
  });

  it("logs its problems as one structured line per isolate, however many requests come", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const isolate = { ...production };
    const isolateEnv = { ...env, ...isolate };
    for (let i = 0; i < 3; i += 1) {
      const ctx = createExecutionContext();
      await authApp.fetch(new Request("https://auth.tether.example/health"), isolateEnv, ctx);
    }
    const lines = errors.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("config_problems"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ level: "error", event: "config_problems", service: "auth" });
  });

  it("refuses every route that mints a token with 503 signing_keys_unavailable, storing nothing", async () => {
    const existing = await registerUser(exports.default);
    const client = await seedServiceClient(db);
    const email = uniqueEmail("no-keys");
    const host = "https://auth.tether.example";
    const attempts = [
      await postTo(production, `${host}/auth/register`, { email, password: STRONG_PASSWORD, name: "N" }),
      await postTo(production, `${host}/auth/login`, { email: existing.user.email, password: STRONG_PASSWORD }),
      await postTo(production, `${host}/auth/refresh`, { refresh_token: existing.refresh_token }),
      await postTo(production, `${host}/auth/service-token`, { service_id: client.id, service_secret: client.secret }),
    ];
    for (const response of attempts) {
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("signing_keys_unavailable");
    }
    expect(await countRows(db, "users", "email_normalized = ?", email)).toBe(0);
    expect(await countRows(db, "sessions", "user_id = ?", existing.user.id)).toBe(1);
    expect(await countRows(db, "refresh_tokens", "user_id = ? AND used_at IS NULL", existing.user.id)).toBe(1);
  });

  it("is healthy and signs tokens once the secrets are put", async () => {
    const secrets = {
      ENVIRONMENT: "production",
      ACCESS_SIGNING_KEY: await signingKeySecret("access"),
      SERVICE_SIGNING_KEY: await signingKeySecret("service"),
      OAUTH_STATE_SIGNING_KEY: await signingKeySecret("oauth_state"),
      DEVICE_SIGNING_KEY: await signingKeySecret("device"),
      MFA_ENCRYPTION_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
    };
    const health = await call(secrets, "https://auth.tether.example/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", environment: "production" });
    const email = uniqueEmail("with-keys");
    const registered = await postTo(secrets, "https://auth.tether.example/auth/register", { email, password: STRONG_PASSWORD, name: "N" });
    expect(registered.status).toBe(201);
  });

  it("reports a secret that is not a usable key, by name", async () => {
    const response = await call(
      { ...production, ACCESS_SIGNING_KEY: "not json", SERVICE_SIGNING_KEY: '{"kty":"oct","k":"x"}', MFA_ENCRYPTION_KEY: "c2hvcnQ" },
      "https://auth.tether.example/health",
    );
    const body = (await response.json()) as { problems: string[] };
    expect(body.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ACCESS_SIGNING_KEY: /),
        expect.stringMatching(/^SERVICE_SIGNING_KEY: /),
        expect.stringMatching(/^MFA_ENCRYPTION_KEY: /),
      ]),
    );
    expect(JSON.stringify(body)).not.toContain("not json");
    expect(JSON.stringify(body)).not.toContain("c2hvcnQ");
  });
});
