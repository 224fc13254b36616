import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { countRows, seedServiceClient } from "../support/auth-db.js";
import { forgeToken, hmacWithPublicKey, tamperedToken, tokenFromUnknownKey, unsignedToken } from "../support/forge.js";
import { errorOf, getWithBearer, postJson, postWithBearer, registerUser, type TokenResponse } from "../support/http.js";

const db = env.AUTH_DB;
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function refresh(refreshToken: string) {
  return postJson(exports.default, "/auth/refresh", { refresh_token: refreshToken });
}

describe("refresh tokens", () => {
  it("rotate: a new pair each time, the old token marked used, parent and family recorded", async () => {
    const first = await registerUser(exports.default);
    const response = await refresh(first.refresh_token);
    expect(response.status).toBe(200);
    const second = (await response.json()) as TokenResponse;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await getWithBearer(exports.default, "/auth/me", second.access_token)).status).toBe(200);
    const rows = await db
      .prepare("SELECT id, parent_id, family_id, used_at FROM refresh_tokens WHERE user_id = ? ORDER BY created_at")
      .bind(first.user.id)
      .all<{ id: string; parent_id: string | null; family_id: string; used_at: number | null }>();
    const [old, fresh] = rows.results;
    expect(old?.used_at).not.toBeNull();
    expect(fresh).toMatchObject({ parent_id: old?.id, family_id: old?.family_id, used_at: null });
    const stored = await countRows(db, "refresh_tokens", "token_hash = ?", second.refresh_token);
    expect(stored).toBe(0);
  });

  it("refuse garbage, expired, logged-out and access tokens", async () => {
    const user = await registerUser(exports.default);
    expect((await refresh("garbage")).status).toBe(401);
    expect((await refresh(user.access_token)).status).toBe(401);

    const expired = await registerUser(exports.default);
    await db
      .prepare("UPDATE refresh_tokens SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, expired.user.id)
      .run();
    expect((await refresh(expired.refresh_token)).status).toBe(401);

    const loggedOut = await registerUser(exports.default);
    expect((await postWithBearer(exports.default, "/auth/logout", loggedOut.access_token)).status).toBe(204);
    const afterLogout = await refresh(loggedOut.refresh_token);
    expect(afterLogout.status).toBe(401);
    expect((await errorOf(afterLogout)).code).toBe("invalid_refresh_token");
  });

  it("is never accepted as an access token", async () => {
    const user = await registerUser(exports.default);
    const me = await getWithBearer(exports.default, "/auth/me", user.refresh_token);
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe("invalid_token");
  });
});

describe("access tokens that must be refused", () => {
  beforeAll(async () => {
    // Minting one service token makes sure the service key exists to forge with.
    const client = await seedServiceClient(db);
    await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: client.secret });
  });

  const attacks: Array<[string, (template: string) => Promise<string> | string, string]> = [
    ["alg: none", (t) => unsignedToken(t), "invalid_token"],
    ["HS256 keyed with the public key", (t) => hmacWithPublicKey(db, t), "invalid_token"],
    ["a tampered payload", (t) => tamperedToken(t, { email: "admin@example.com" }), "invalid_token"],
    ["an expired token", (t) => forgeToken(db, t, { exp: nowSeconds() - 10, iat: nowSeconds() - 1000 }), "token_expired"],
    ["a not-yet-valid token", (t) => forgeToken(db, t, { nbf: nowSeconds() + 3600 }), "invalid_token"],
    ["a wrong issuer", (t) => forgeToken(db, t, { iss: "https://evil.example" }), "invalid_token"],
    ["a wrong audience", (t) => forgeToken(db, t, { aud: "someone-else" }), "invalid_token"],
    ["an unknown kid", (t) => tokenFromUnknownKey(t), "invalid_token"],
    ["token_type service under the access key", (t) => forgeToken(db, t, { token_type: "service" }), "invalid_token"],
    ["an access-shaped token under the service key", (t) => forgeToken(db, t, {}, { purpose: "service" }), "invalid_token"],
  ];

  it.each(attacks)("%s", async (_label, forge, code) => {
    const { access_token } = await registerUser(exports.default);
    const token = await forge(access_token);
    const me = await getWithBearer(exports.default, "/auth/me", token);
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe(code);
  });

  it("a valid token of a disabled user", async () => {
    const { access_token, user } = await registerUser(exports.default);
    await db.prepare("UPDATE users SET disabled_at = ? WHERE id = ?").bind(Date.now(), user.id).run();
    const me = await getWithBearer(exports.default, "/auth/me", access_token);
    expect((await errorOf(me)).code).toBe("token_revoked");
  });
});
