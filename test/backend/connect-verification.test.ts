import { env, exports } from "cloudflare:workers";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { AuthGateway } from "../../workers/shared/auth-gateway.js";
import { UNKNOWN_KEY_REFETCH_MS } from "../../workers/shared/auth-key-sets.js";
import type { AuthServiceApi, SigningKeySets } from "../../workers/shared/rpc.js";
import { testGatewayOptions } from "../support/backend/gateway.js";
import { forgeToken, tokenFromUnknownKey } from "../support/forge.js";
import { registerUser } from "../support/http.js";

/**
 * @module
 * `AuthGateway.verifyAccessToken`, the check of a socket's connect and `auth_refresh`: against the
 * auth Worker's keys, fetched once and again only when stale or for a key not seen yet (at most
 * every UNKNOWN_KEY_REFETCH_MS), never one auth call per token.
 */

/** The real auth binding, counting its calls; `down` makes every call fail; `keys` replaces the jwks answer. */
function countingAuth() {
  const state = { down: false, jwksCalls: 0, validations: 0, keys: null as SigningKeySets | null };
  const up = <T>(call: () => Promise<T>): Promise<T> => (state.down ? Promise.reject(new Error("auth is down")) : call());
  const auth = {
    issueServiceToken: (id: string, secret: string) => up(() => env.AUTH.issueServiceToken(id, secret)),
    validateAccessToken: (serviceToken: string, token: string) => {
      state.validations += 1;
      return up(() => env.AUTH.validateAccessToken(serviceToken, token));
    },
    getUser: (serviceToken: string, id: string) => up(() => env.AUTH.getUser(serviceToken, id)),
    jwks: (serviceToken: string) => {
      state.jwksCalls += 1;
      return up(async () => (state.keys ? { ok: true as const, value: state.keys } : env.AUTH.jwks(serviceToken)));
    },
  } as unknown as AuthServiceApi;
  return { auth, state };
}

/** A key pair auth could rotate to: its public set, and access tokens like auth's signed with it. */
async function rotatedKey(template: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: "rotated-1", alg: "ES256", use: "sig" }] };
  const sign = () =>
    new SignJWT({ ...decodeJwt(template), jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: "ES256", kid: "rotated-1", typ: "JWT" })
      .sign(privateKey);
  return { jwks, sign };
}

describe("verifying a socket's token against the auth Worker's keys", () => {
  it("fetches the keys once, then verifies token after token with no call to auth", async () => {
    const { auth, state } = countingAuth();
    const gateway = new AuthGateway(auth, testGatewayOptions());
    const users = await Promise.all([registerUser(exports.default), registerUser(exports.default), registerUser(exports.default)]);
    for (const user of users) {
      expect(await gateway.verifyAccessToken(user.access_token)).toMatchObject({
        ok: true,
        degraded: false,
        claims: { sub: user.user.id },
      });
    }
    expect(state).toMatchObject({ jwksCalls: 1, validations: 0 });
  });

  it("refuses what does not verify, with the same codes as /api: expired, junk, a refresh token, another key", async () => {
    const { auth } = countingAuth();
    const gateway = new AuthGateway(auth, testGatewayOptions());
    const user = await registerUser(exports.default);
    const expired = await forgeToken(env.AUTH_DB, user.access_token, { exp: Math.floor(Date.now() / 1000) - 5 });
    expect(await gateway.verifyAccessToken(expired)).toMatchObject({ ok: false, code: "token_expired" });
    expect(await gateway.verifyAccessToken("garbage")).toMatchObject({ ok: false, code: "invalid_token" });
    expect(await gateway.verifyAccessToken(user.refresh_token)).toMatchObject({ ok: false, code: "invalid_token" });
    expect(await gateway.verifyAccessToken(await tokenFromUnknownKey(user.access_token))).toMatchObject({
      ok: false,
      code: "invalid_token",
    });
    const service = await forgeToken(env.AUTH_DB, user.access_token, { token_type: "service" }, { purpose: "service" });
    expect(await gateway.verifyAccessToken(service)).toMatchObject({ ok: false, code: "invalid_token" });
  });

  it("refetches for a key it has not seen — a rotation verifies at once — but at most once per 10 s", async () => {
    const { auth, state } = countingAuth();
    const clock = { nowMs: Date.now() };
    const gateway = new AuthGateway(auth, testGatewayOptions(), () => clock.nowMs);
    const user = await registerUser(exports.default);
    expect((await gateway.verifyAccessToken(user.access_token)).ok).toBe(true);
    expect(state.jwksCalls).toBe(1);

    // Made-up kids cost one refetch per window, however many arrive.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(await gateway.verifyAccessToken(await tokenFromUnknownKey(user.access_token))).toMatchObject({ code: "invalid_token" });
    }
    expect(state.jwksCalls).toBe(2);

    // Auth rotates to a new key; once the window has passed, its first token makes the refetch.
    const rotated = await rotatedKey(user.access_token);
    state.keys = { access: rotated.jwks, service: { keys: [] } };
    clock.nowMs += UNKNOWN_KEY_REFETCH_MS;
    expect(await gateway.verifyAccessToken(await rotated.sign())).toMatchObject({ ok: true, claims: { sub: user.user.id } });
    expect(state.jwksCalls).toBe(3);
    expect(await gateway.verifyAccessToken(await rotated.sign())).toMatchObject({ ok: true });
    expect(state.jwksCalls).toBe(3);
  });

  it("keeps verifying with the keys it has while auth is down, and says auth_unavailable when it never had any", async () => {
    const { auth, state } = countingAuth();
    const gateway = new AuthGateway(auth, testGatewayOptions());
    const user = await registerUser(exports.default);
    expect((await gateway.verifyAccessToken(user.access_token)).ok).toBe(true);
    state.down = true;
    expect(await gateway.verifyAccessToken((await registerUser(exports.default)).access_token)).toMatchObject({
      ok: true,
      degraded: false,
    });

    const cold = countingAuth();
    cold.state.down = true;
    expect(await new AuthGateway(cold.auth, testGatewayOptions()).verifyAccessToken(user.access_token)).toMatchObject({
      ok: false,
      code: "auth_unavailable",
      retryAfterSeconds: expect.any(Number),
    });
  });
});
