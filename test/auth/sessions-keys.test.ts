import { env, exports } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { authDatabase } from "../../workers/auth/db/client.js";
import { rotateSigningKey } from "../../workers/auth/tokens/keys.js";
import { countRows } from "../support/auth-db.js";
import {
  errorOf,
  getWithBearer,
  ORIGIN,
  postJson,
  postWithBearer,
  registerUser,
  STRONG_PASSWORD,
  type TokenResponse,
} from "../support/http.js";

const db = env.AUTH_DB;

async function jwks(): Promise<JSONWebKeySet> {
  return (await (await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
}

describe("sessions", () => {
  it("/auth/me and /auth/sessions describe the caller's own sessions", async () => {
    const first = await registerUser(exports.default);
    const login = await postJson(
      exports.default,
      "/auth/login",
      { email: first.user.email, password: STRONG_PASSWORD },
      { "User-Agent": "tests/1.0" },
    );
    const second = (await login.json()) as TokenResponse;
    await registerUser(exports.default);

    const me = (await (await getWithBearer(exports.default, "/auth/me", second.access_token)).json()) as {
      user: { id: string };
      session: { id: string; current: boolean; user_agent: string | null };
    };
    expect(me.user.id).toBe(first.user.id);
    expect(me.session).toMatchObject({ current: true, user_agent: "tests/1.0" });

    const listed = (await (await getWithBearer(exports.default, "/auth/sessions", second.access_token)).json()) as {
      sessions: Array<{ id: string; current: boolean; created_at: string; last_activity: string; ip_address: string | null }>;
    };
    expect(listed.sessions).toHaveLength(2);
    expect(listed.sessions.filter((session) => session.current).map((session) => session.id)).toEqual([me.session.id]);
  });

  it("needs a bearer token, and never reads one from the query string", async () => {
    const user = await registerUser(exports.default);
    const bare = await exports.default.fetch(`${ORIGIN}/auth/me`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("WWW-Authenticate")).toBe("Bearer");
    const query = await exports.default.fetch(`${ORIGIN}/auth/me?access_token=${user.access_token}`);
    expect(query.status).toBe(401);
  });

  it("logout ends one session; the user's other session goes on", async () => {
    const first = await registerUser(exports.default);
    const other = (await (
      await postJson(exports.default, "/auth/login", { email: first.user.email, password: STRONG_PASSWORD })
    ).json()) as TokenResponse;
    expect((await postWithBearer(exports.default, "/auth/logout", first.access_token)).status).toBe(204);
    const after = await getWithBearer(exports.default, "/auth/me", first.access_token);
    expect((await errorOf(after)).code).toBe("token_revoked");
    expect((await getWithBearer(exports.default, "/auth/me", other.access_token)).status).toBe(200);
  });

  it("logout-all ends every session of the user and no one else's", async () => {
    const first = await registerUser(exports.default);
    await postJson(exports.default, "/auth/login", { email: first.user.email, password: STRONG_PASSWORD });
    const stranger = await registerUser(exports.default);
    expect((await postWithBearer(exports.default, "/auth/logout-all", first.access_token)).status).toBe(204);
    expect(await countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", first.user.id)).toBe(0);
    expect(await countRows(db, "refresh_tokens", "user_id = ? AND revoked_at IS NULL", first.user.id)).toBe(0);
    expect((await getWithBearer(exports.default, "/auth/me", stranger.access_token)).status).toBe(200);
  });
});

describe("signing keys", () => {
  it("JWKS lists public EC keys only, cacheable", async () => {
    await registerUser(exports.default);
    const response = await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`);
    expect(response.headers.get("Cache-Control")).toContain("max-age");
    const { keys } = (await response.json()) as JSONWebKeySet;
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: expect.any(String) });
      expect(key.d).toBeUndefined();
    }
  });

  it("rotation keeps the previous key listed, so earlier tokens still verify", async () => {
    const before = await registerUser(exports.default);
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const newKid = await rotateSigningKey(authDatabase(db), "access");
    const listed = (await jwks()).keys.map((key) => key.kid);
    expect(listed).toEqual([newKid, oldKid]);
    expect((await getWithBearer(exports.default, "/auth/me", before.access_token)).status).toBe(200);
    const after = await registerUser(exports.default);
    expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);
    await jwtVerify(after.access_token, createLocalJWKSet(await jwks()));

    await rotateSigningKey(authDatabase(db), "access");
    expect((await jwks()).keys.map((key) => key.kid)).not.toContain(oldKid);
    expect((await errorOf(await getWithBearer(exports.default, "/auth/me", before.access_token))).code).toBe("invalid_token");
  });
});
