import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { AuthKeySets, KEY_SETS_REFRESH_MS } from "../../workers/shared/auth-key-sets.js";
import type { RpcResult, SigningKeySets } from "../../workers/shared/rpc.js";

const EMPTY_SETS: SigningKeySets = { access: { keys: [] }, service: { keys: [] } };

/** A stand-in for the `jwks` call: answers `answer` (or throws it), counting the calls. */
function fakeJwks(initial: RpcResult<SigningKeySets> | Error = { ok: true, value: EMPTY_SETS }) {
  const state = { answer: initial, calls: 0 };
  const fetchKeySets = async (): Promise<RpcResult<SigningKeySets>> => {
    state.calls += 1;
    if (state.answer instanceof Error) throw state.answer;
    return state.answer;
  };
  return { fetchKeySets, state };
}

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256" }] };
  const sign = () => new SignJWT({}).setProtectedHeader({ alg: "ES256", kid }).setExpirationTime("1m").sign(privateKey);
  return { jwks, sign };
}

describe("AuthKeySets", () => {
  it("verifies access and service tokens each with its own set, from one fetch", async () => {
    const access = await signingKey("access-1");
    const service = await signingKey("service-1");
    const jwks = fakeJwks({ ok: true, value: { access: access.jwks, service: service.jwks } });
    const keySets = new AuthKeySets(jwks.fetchKeySets);
    const keys = await keySets.current();
    if (!keys) throw new Error("no keys");
    await expect(jwtVerify(await access.sign(), keys.access)).resolves.toBeTruthy();
    await expect(jwtVerify(await service.sign(), keys.service)).resolves.toBeTruthy();
    await expect(jwtVerify(await access.sign(), keys.service)).rejects.toThrow();
    expect(jwks.state.calls).toBe(1);
  });

  it("serves the keys it holds until KEY_SETS_REFRESH_MS, then fetches again", async () => {
    let nowMs = 1_000_000;
    const jwks = fakeJwks();
    const keySets = new AuthKeySets(jwks.fetchKeySets, () => nowMs);
    await keySets.current();
    nowMs += KEY_SETS_REFRESH_MS - 1;
    await keySets.current();
    expect(jwks.state.calls).toBe(1);
    nowMs += 1;
    await keySets.current();
    expect(jwks.state.calls).toBe(2);
  });

  it("fetches again at once when asked to refresh, and shares one fetch between concurrent callers", async () => {
    const jwks = fakeJwks();
    const keySets = new AuthKeySets(jwks.fetchKeySets);
    await keySets.current();
    await Promise.all([keySets.current({ refresh: true }), keySets.current({ refresh: true }), keySets.current()]);
    expect(jwks.state.calls).toBe(2);
  });

  it("has no keys before a fetch succeeds, and keeps the ones it had when a later fetch fails or throws", async () => {
    let nowMs = 1_000_000;
    const jwks = fakeJwks({ ok: false, error: { code: "internal_error", message: "down" } });
    const keySets = new AuthKeySets(jwks.fetchKeySets, () => nowMs);
    expect(await keySets.current()).toBeNull();
    expect(keySets.last).toBeNull();

    jwks.state.answer = { ok: true, value: EMPTY_SETS };
    const held = await keySets.current();
    expect(held).not.toBeNull();
    for (const failure of [{ ok: false, error: { code: "internal_error", message: "down" } } as const, new Error("auth is down")]) {
      jwks.state.answer = failure;
      nowMs += KEY_SETS_REFRESH_MS;
      expect(await keySets.current()).toBe(held);
      expect(keySets.last).toBe(held);
    }
  });
});
