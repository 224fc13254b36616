/**
 * @module
 * The circuit breaker counts failures of the auth service only (docs/architecture.md): a caller
 * who sends junk, oversized or forged tokens gets `invalid_token`, and can neither open the
 * breaker for everyone else nor push the backend into degraded mode, where revocations go unseen.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import backendApp from "../../workers/demo/backend.js";
import type { AuthServiceApi } from "../../workers/shared/rpc.js";
import { tamperedToken, tokenFromUnknownKey, unsignedToken } from "../support/forge.js";
import { errorOf, getWithBearer, postWithBearer, registerUser, type FetchTarget, type TokenResponse } from "../support/http.js";
import { openSocket } from "../support/ws.js";

/** The real auth binding, counting the validations that reach it. */
function countingAuth() {
  const counts = { validations: 0 };
  const real = env.AUTH;
  const auth = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => real.fetch(input, init),
    issueServiceToken: (id: string, secret: string) => real.issueServiceToken(id, secret),
    validateAccessToken: (serviceToken: string, token: string) => {
      counts.validations += 1;
      return real.validateAccessToken(serviceToken, token);
    },
    getUser: (serviceToken: string, id: string) => real.getUser(serviceToken, id),
    jwks: (serviceToken: string) => real.jwks(serviceToken),
    disableUser: (serviceToken: string, id: string) => real.disableUser(serviceToken, id),
  } as Fetcher & AuthServiceApi;
  return { auth, counts };
}

/** The backend as a fresh isolate would run it (its own gateway, cache and breaker) over `auth`. */
function isolateWith(auth: Fetcher & AuthServiceApi): FetchTarget {
  const isolateEnv = { ...env, AUTH: auth };
  return { fetch: async (input, init) => backendApp.fetch(new Request(input, init), isolateEnv) };
}

let user: TokenResponse;
let junk: string[];
let oversized: string[];
let forged: string[];

beforeAll(async () => {
  user = await registerUser(exports.default);
  const [header, payload, signature] = user.access_token.split(".") as [string, string, string];
  // Not a canonical compact JWS: refused by shape alone (`alg: none` has an empty signature).
  junk = ["garbage", "a.b", "a.b.c.d", `${header}.${payload}.${signature}=`, "x".repeat(300), unsignedToken(user.access_token)];
  // Well-formed compact JWS, past MAX_ACCESS_TOKEN_LENGTH: refused by length alone.
  oversized = [`${header}.${"A".repeat(5000)}.${signature}`, `${header}.${payload}.${"B".repeat(9000)}`];
  // The right shape and size, a bad signature: only auth can tell.
  forged = [tamperedToken(user.access_token, { sub: "someone-else" }), await tokenFromUnknownKey(user.access_token)];
});

describe("junk, oversized and forged tokens", () => {
  it("are refused as invalid_token over HTTP and /ws, junk and oversized without a call to auth, and the breaker stays closed", async () => {
    const { auth, counts } = countingAuth();
    const backend = isolateWith(auth);
    // Each token six times in a row: past the breaker's threshold of five consecutive failures,
    // were refusals of the caller's input counted as failures of auth.
    for (const token of [...junk, ...oversized, ...forged]) {
      for (let round = 0; round < 6; round += 1) {
        const response = await getWithBearer(backend, "/api/me", token);
        expect(response.status).toBe(401);
        expect((await errorOf(response)).code).toBe("invalid_token");
        for (const via of ["header", "protocol"] as const) {
          const socket = await openSocket(backend, { token, via });
          expect((await socket.closed()).code).toBe(4401);
        }
      }
    }
    // Only forged tokens look like ours (the right shape and size): those few reach auth, and
    // their refusals are cached — junk and oversized never leave the backend.
    expect(counts.validations).toBe(forged.length);
    const health = (await (await backend.fetch("http://localhost/health")).json()) as { auth: { breaker: string } };
    expect(health.auth.breaker).toBe("closed");
  });

  it("leave a revoked token refused afterwards, not served from a degraded local check", async () => {
    const { auth } = countingAuth();
    const backend = isolateWith(auth);
    const victim = await registerUser(exports.default);
    // A good validation first: the gateway now holds the JWKS it would fall back on if degraded.
    expect((await getWithBearer(backend, "/api/session", user.access_token)).status).toBe(200);
    for (const token of oversized) {
      for (let round = 0; round < 6; round += 1) await (await openSocket(backend, { token, via: "protocol" })).closed();
    }
    // Through the same isolate: the backend keeps one gateway per isolate's env.
    expect((await postWithBearer(backend, "/auth/logout", victim.access_token)).status).toBe(204);
    const response = await getWithBearer(backend, "/api/me", victim.access_token);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("token_revoked");
    expect(response.headers.get("X-Auth-Degraded")).toBeNull();
  });
});
