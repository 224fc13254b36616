import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedServiceClient } from "../support/auth-db.js";
import { errorOf, ORIGIN, postJson, registerUser } from "../support/http.js";
import { inOneWindow } from "../support/rate-limit-window.js";

/**
 * docs/protocol.md, Tokens: every RPC method and service route names the permission it needs and
 * checks the caller's subject — a registered, enabled service client — not just its signature.
 */
const db = env.AUTH_DB;
const rpc = exports.AuthService;

async function tokenFor(permissions: string[]) {
  const client = await seedServiceClient(db, { permissions });
  const grant = await rpc.issueServiceToken(client.id, client.secret);
  if (!grant.ok) throw new Error(grant.error.code);
  return { client, token: grant.value.access_token };
}

describe("permissions of the AuthService RPC methods", () => {
  it.each([
    [
      "validateAccessToken needs tokens:validate",
      ["users:read"],
      (token: string, user: { access_token: string }) => rpc.validateAccessToken(token, user.access_token),
    ],
    ["jwks needs tokens:validate", ["users:read"], (token: string) => rpc.jwks(token)],
    ["getUser needs users:read", ["tokens:validate"], (token: string, user: { user: { id: string } }) => rpc.getUser(token, user.user.id)],
    [
      "disableUser needs users:disable",
      ["tokens:validate", "users:read"],
      (token: string, user: { user: { id: string } }) => rpc.disableUser(token, user.user.id),
    ],
  ])("%s: without it, permission_denied and nothing happens", async (_label, held, call) => {
    const { token } = await tokenFor(held);
    const user = await registerUser(exports.default);
    const result = await call(token, user);
    expect(result).toMatchObject({ ok: false, error: { code: "permission_denied" } });
    const row = await db.prepare("SELECT disabled_at FROM users WHERE id = ?").bind(user.user.id).first<{ disabled_at: number | null }>();
    expect(row?.disabled_at).toBeNull();
  });

  it("POST /auth/validate needs tokens:validate", async () => {
    const { token } = await tokenFor(["users:read"]);
    const user = await registerUser(exports.default);
    const response = await exports.default.fetch(`${ORIGIN}/auth/validate`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ token: user.access_token }),
    });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("permission_denied");
  });

  it("counts what the client holds when the token is first presented, not when it was minted", async () => {
    const { client, token } = await tokenFor(["tokens:validate", "users:read"]);
    const user = await registerUser(exports.default);
    await seedServiceClient(db, { id: client.id, secret: client.secret, permissions: ["tokens:validate"] });
    expect(await rpc.getUser(token, user.user.id)).toMatchObject({ ok: false, error: { code: "permission_denied" } });
    expect((await rpc.validateAccessToken(token, user.access_token)).ok).toBe(true);
  });
});

describe("the caller's subject", () => {
  it("must be a registered service client: a token of a deleted or disabled client is refused", async () => {
    const { client, token } = await tokenFor(["tokens:validate"]);
    await db.prepare("UPDATE service_clients SET disabled_at = ? WHERE id = ?").bind(Date.now(), client.id).run();
    const other = await tokenFor(["tokens:validate"]);
    await db.prepare("DELETE FROM service_clients WHERE id = ?").bind(other.client.id).run();
    for (const refused of [token, other.token]) {
      expect(await rpc.jwks(refused)).toMatchObject({ ok: false, error: { code: "invalid_service" } });
    }
  });

  it("can never be the auth Worker's own: no client registered as `auth` gets a token", async () => {
    const client = await seedServiceClient(db, { id: "auth", permissions: ["tokens:validate"] });
    expect(await rpc.issueServiceToken(client.id, client.secret)).toMatchObject({ ok: false, error: { code: "invalid_service" } });
    const response = await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: client.secret });
    expect(response.status).toBe(401);
    await db.prepare("DELETE FROM service_clients WHERE id = 'auth'").run();
  });
});

describe("POST /auth/service-token rate limits", () => {
  it("limits one service from many addresses (per service id) with 429 and Retry-After", async () => {
    const { statuses, limited } = await inOneWindow(async () => {
      const client = await seedServiceClient(db);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 22; attempt += 1) {
        // postJson sends every request from a new address.
        statuses.push((await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: "wrong" })).status);
      }
      const limited = await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: client.secret });
      return { statuses, limited };
    });
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toEqual(expect.any(String));
  });

  it("limits one address trying many service ids", async () => {
    let addresses = 76;
    const statuses = await inOneWindow(async () => {
      const address = { "CF-Connecting-IP": `192.0.2.${(addresses += 1)}` };
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 21; attempt += 1) {
        statuses.push(
          (await postJson(exports.default, "/auth/service-token", { service_id: `guess-${attempt}`, service_secret: "x" }, address)).status,
        );
      }
      return statuses;
    });
    expect(statuses.at(-1)).toBe(429);
  });
});
