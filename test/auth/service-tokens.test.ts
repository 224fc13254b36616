import { env, exports } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { seedServiceClient } from "../support/auth-db.js";
import { forgeToken } from "../support/forge.js";
import { errorOf, ORIGIN, postJson, postWithBearer, registerUser } from "../support/http.js";

const db = env.AUTH_DB;
const rpc = exports.AuthService;

async function serviceToken(options: Parameters<typeof seedServiceClient>[1] = {}, permissions?: string[]) {
  const client = await seedServiceClient(db, options);
  const response = await postJson(exports.default, "/auth/service-token", {
    service_id: client.id,
    service_secret: client.secret,
    ...(permissions ? { permissions } : {}),
  });
  return { client, response };
}

function validate(bearer: string | null, token: string) {
  return exports.default.fetch(`${ORIGIN}/auth/validate`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ token }),
  });
}

describe("POST /auth/service-token", () => {
  it("exchanges credentials for a service token signed with the separate service key", async () => {
    const { client, response } = await serviceToken({ audiences: ["tether-auth", "tether-backend"], permissions: ["tokens:validate"] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number; service_name: string };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 300, service_name: client.id });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      sub: client.id,
      service: client.id,
      token_type: "service",
      permissions: ["tokens:validate"],
      aud: ["tether-auth", "tether-backend"],
    });
    expect(claims.email).toBeUndefined();
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    const jwks = (await (await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    expect(jwks.keys.map((key) => key.kid)).not.toContain(decodeProtectedHeader(body.access_token).kid);
  });

  it("answers a wrong secret and an unknown id alike, and a disabled client too", async () => {
    const client = await seedServiceClient(db);
    const wrong = await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: "nope" });
    const unknown = await postJson(exports.default, "/auth/service-token", { service_id: "no-such-service", service_secret: "nope" });
    const disabled = (await serviceToken({ disabled: true })).response;
    for (const response of [wrong, unknown, disabled]) expect(response.status).toBe(401);
    expect(await errorOf(wrong)).toEqual(await errorOf(unknown));
    expect((await errorOf(disabled)).code).toBe("invalid_service");
  });

  it("grants a requested subset of permissions and refuses one the client lacks", async () => {
    const subset = (await serviceToken({ permissions: ["a", "b"] }, ["a"])).response;
    expect(decodeJwt(((await subset.json()) as { access_token: string }).access_token).permissions).toEqual(["a"]);
    const denied = (await serviceToken({ permissions: ["a"] }, ["admin"])).response;
    expect(denied.status).toBe(403);
    expect((await errorOf(denied)).code).toBe("permission_denied");
  });

  it.each([
    ["an unknown field", { service_id: "x", service_secret: "y", scope: "all" }],
    ["a missing field", { service_id: "x" }],
    ["wrong types", { service_id: 1, service_secret: ["y"] }],
    ["not JSON", "{service_id"],
  ])("refuses %s with 400", async (_label, body) => {
    const response = await postJson(exports.default, "/auth/service-token", body);
    expect(response.status).toBe(400);
  });
});

describe("POST /auth/validate", () => {
  it("needs a service token addressed to the auth service", async () => {
    const user = await registerUser(exports.default);
    const elsewhere = (await serviceToken({ audiences: ["tether-backend"] })).response;
    const wrongAudience = ((await elsewhere.json()) as { access_token: string }).access_token;
    const good = ((await (await serviceToken()).response.json()) as { access_token: string }).access_token;
    const expired = await forgeToken(db, good, { exp: Math.floor(Date.now() / 1000) - 5 }, { purpose: "service" });

    const missing = await validate(null, user.access_token);
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe("service_token_required");
    for (const bearer of [user.access_token, user.refresh_token, wrongAudience, expired]) {
      const refused = await validate(bearer, user.access_token);
      expect(refused.status).toBe(401);
      expect((await errorOf(refused)).code).toBe("invalid_service");
    }
  });

  it("describes a user's access token, and answers valid:false for anything else", async () => {
    const user = await registerUser(exports.default);
    const { client, response } = await serviceToken();
    const bearer = ((await response.json()) as { access_token: string }).access_token;
    const access = await (await validate(bearer, user.access_token)).json();
    expect(access).toMatchObject({
      valid: true,
      token_type: "access",
      user_id: user.user.id,
      email: user.user.email,
      session_id: expect.any(String),
    });
    expect(await (await validate(bearer, "garbage")).json()).toEqual({ valid: false, reason: "invalid_token" });
    expect(await (await validate(bearer, user.refresh_token)).json()).toMatchObject({ valid: false });
    // A service token is valid only when it is addressed to the service asking.
    expect(await (await validate(bearer, bearer)).json()).toMatchObject({ valid: false });
    const caller = await serviceToken({ audiences: [client.id] });
    const addressedToCaller = ((await caller.response.json()) as { access_token: string }).access_token;
    expect(await (await validate(bearer, addressedToCaller)).json()).toMatchObject({
      valid: true,
      token_type: "service",
      service_id: caller.client.id,
    });
    await postWithBearer(exports.default, "/auth/logout", user.access_token);
    expect(await (await validate(bearer, user.access_token)).json()).toEqual({ valid: false, reason: "token_revoked" });
  });
});

describe("the AuthService RPC entrypoint", () => {
  it("refuses every call without a valid service token addressed to it", async () => {
    const user = await registerUser(exports.default);
    const elsewhere = ((await (await serviceToken({ audiences: ["tether-backend"] })).response.json()) as { access_token: string })
      .access_token;
    for (const bad of ["", "garbage", user.access_token, user.refresh_token, elsewhere]) {
      const result = await rpc.validateAccessToken(bad, user.access_token);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(["invalid_service", "service_token_required"]).toContain(result.error.code);
      expect((await rpc.getUser(bad, user.user.id)).ok).toBe(false);
      expect((await rpc.jwks(bad)).ok).toBe(false);
    }
  });

  it("serves a caller that minted its token with issueServiceToken", async () => {
    const client = await seedServiceClient(db);
    expect((await rpc.issueServiceToken(client.id, "wrong")).ok).toBe(false);
    const grant = await rpc.issueServiceToken(client.id, client.secret);
    if (!grant.ok) throw new Error(grant.error.code);
    const token = grant.value.access_token;
    const user = await registerUser(exports.default);
    const claims = await rpc.validateAccessToken(token, user.access_token);
    expect(claims).toMatchObject({ ok: true, value: { sub: user.user.id, token_type: "access" } });
    const found = await rpc.getUser(token, user.user.id);
    expect(found).toMatchObject({ ok: true, value: { id: user.user.id, email: user.user.email } });
    expect(JSON.stringify(found)).not.toContain("pbkdf2");
    expect(await rpc.getUser(token, "no-such-user")).toEqual({ ok: true, value: null });
    const keys = await rpc.jwks(token);
    if (!keys.ok) throw new Error(keys.error.code);
    const accessKids = keys.value.access.keys.map((key) => key.kid);
    expect(keys.value.service.keys.some((key) => accessKids.includes(key.kid))).toBe(false);
    expect(JSON.stringify(keys.value)).not.toContain('"d"');
  });
});
