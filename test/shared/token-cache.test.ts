import { describe, expect, it } from "vitest";
import { TokenCache } from "../../workers/shared/token-cache.js";
import type { RpcResult } from "../../workers/shared/rpc.js";
import type { AccessClaims } from "../../workers/shared/tokens.js";

const T0 = 1_800_000_000_000;

function validFor(seconds: number, nowMs = T0): RpcResult<AccessClaims> {
  const nowSeconds = Math.floor(nowMs / 1000);
  return {
    ok: true,
    value: {
      iss: "i",
      aud: "a",
      sub: "user",
      sid: "session",
      iat: nowSeconds,
      exp: nowSeconds + seconds,
      jti: "j",
      token_type: "access",
      email: "e@example.com",
      name: "E",
      email_verified: false,
      permissions: [],
    },
  };
}
const rejected: RpcResult<AccessClaims> = { ok: false, error: { code: "invalid_token", message: "no" } };

function cacheAt(options: { ttlSeconds: number; maxEntries: number }) {
  const clock = { nowMs: T0 };
  return { cache: new TokenCache(options, () => clock.nowMs), clock };
}

describe("TokenCache", () => {
  it("serves a validation for its TTL and not after", async () => {
    const { cache, clock } = cacheAt({ ttlSeconds: 30, maxEntries: 10 });
    cache.set("token", validFor(900));
    clock.nowMs += 29_999;
    expect(cache.get("token")).toEqual(validFor(900));
    clock.nowMs += 1;
    expect(cache.get("token")).toBeUndefined();
  });

  it("never outlives the token's own expiry", async () => {
    const { cache, clock } = cacheAt({ ttlSeconds: 30, maxEntries: 10 });
    cache.set("token", validFor(10));
    clock.nowMs += 9_999;
    expect(cache.get("token")).toBeDefined();
    clock.nowMs += 1;
    expect(cache.get("token")).toBeUndefined();
  });

  it("does not store a token that has already expired", async () => {
    const { cache } = cacheAt({ ttlSeconds: 30, maxEntries: 10 });
    cache.set("token", validFor(-1));
    expect(cache.size).toBe(0);
  });

  it("keeps rejections for 5 seconds only", async () => {
    const { cache, clock } = cacheAt({ ttlSeconds: 30, maxEntries: 10 });
    cache.set("bad", rejected);
    clock.nowMs += 4_999;
    expect(cache.get("bad")).toEqual(rejected);
    clock.nowMs += 1;
    expect(cache.get("bad")).toBeUndefined();
  });

  it("evicts the least recently used entry past its bound", async () => {
    const { cache } = cacheAt({ ttlSeconds: 30, maxEntries: 2 });
    cache.set("a", validFor(900));
    cache.set("b", validFor(900));
    cache.get("a");
    cache.set("c", validFor(900));
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
  });

  it("sweeps expired entries as new ones arrive, so an old token never asked for again is not kept", async () => {
    const { cache, clock } = cacheAt({ ttlSeconds: 30, maxEntries: 10_000 });
    for (let refresh = 0; refresh < 100; refresh += 1) {
      cache.set(`token-${refresh}`, validFor(900, clock.nowMs));
      clock.nowMs += 20_000;
    }
    // Tokens arrive every 20 s and live 30 s in the cache: only the newest two can still be there.
    expect(cache.size).toBe(2);
    expect(cache.get("token-99")).toBeDefined();
    expect(cache.get("token-98")).toBeUndefined();
  });

  it("keys an entry by the SHA-256 of the token, never the token itself", async () => {
    const token = "header.payload.signature";
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
    const expected = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(await TokenCache.key(token)).toBe(expected);
    expect(await TokenCache.key(token)).not.toContain(token);
  });

  it("is off with a TTL of 0 and forgets a token on request", async () => {
    const off = cacheAt({ ttlSeconds: 0, maxEntries: 10 }).cache;
    off.set("token", validFor(900));
    expect(off.get("token")).toBeUndefined();
    const { cache } = cacheAt({ ttlSeconds: 30, maxEntries: 10 });
    cache.set("token", validFor(900));
    cache.forget("token");
    expect(cache.get("token")).toBeUndefined();
  });
});
