import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import backendApp from "../../workers/demo/backend.js";
import { AuthGateway } from "../../workers/shared/auth-gateway.js";
import type { AuthServiceApi } from "../../workers/shared/rpc.js";
import { testGatewayOptions } from "../support/backend/gateway.js";
import { errorOf, ORIGIN, registerUser } from "../support/http.js";

type Mode = "up" | "failing" | "hanging";

/** The real auth binding behind a switch: up, failing (throws), or hanging (never answers). */
function switchableAuth() {
  const state = { mode: "up" as Mode, validations: 0 };
  const guard = <T>(call: () => Promise<T>): Promise<T> => {
    if (state.mode === "failing") return Promise.reject(new Error("auth is down"));
    if (state.mode === "hanging") return new Promise<T>(() => undefined);
    return call();
  };
  const auth: AuthServiceApi & Fetcher = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => env.AUTH.fetch(input, init),
    issueServiceToken: (id, secret) => guard(() => env.AUTH.issueServiceToken(id, secret)),
    validateAccessToken: (serviceToken, token) => {
      state.validations += 1;
      return guard(() => env.AUTH.validateAccessToken(serviceToken, token));
    },
    getUser: (serviceToken, id) => guard(() => env.AUTH.getUser(serviceToken, id)),
    jwks: (serviceToken) => guard(() => env.AUTH.jwks(serviceToken)),
  } as AuthServiceApi & Fetcher;
  return { auth, state };
}

describe("the auth gateway through failure and recovery", () => {
  it("serves cached validations without calling auth", async () => {
    const { auth, state } = switchableAuth();
    const gateway = new AuthGateway(auth, testGatewayOptions());
    const { access_token } = await registerUser(exports.default);
    expect((await gateway.validate(access_token)).ok).toBe(true);
    expect((await gateway.validate(access_token)).ok).toBe(true);
    expect(state.validations).toBe(1);
  });

  it("opens on failures and timeouts, verifies locally meanwhile, and closes again after the cool-down", async () => {
    const { auth, state } = switchableAuth();
    const clock = { nowMs: Date.now() };
    const gateway = new AuthGateway(auth, testGatewayOptions(), () => clock.nowMs);
    const warm = await registerUser(exports.default);
    expect(await gateway.validate(warm.access_token)).toMatchObject({ ok: true, degraded: false });

    const uncached = await registerUser(exports.default);
    state.mode = "failing";
    expect(await gateway.validate(uncached.access_token, { bypassCache: true })).toMatchObject({ ok: true, degraded: true });
    state.mode = "hanging";
    expect(await gateway.validate(uncached.access_token, { bypassCache: true })).toMatchObject({ ok: true, degraded: true });
    expect(gateway.breakerState).toBe("open");

    const callsWhileOpen = state.validations;
    expect(await gateway.validate(uncached.access_token)).toMatchObject({ ok: true, degraded: true });
    expect(state.validations).toBe(callsWhileOpen);
    expect(await gateway.validate("garbage")).toMatchObject({ ok: false, code: "invalid_token" });

    state.mode = "up";
    clock.nowMs += 1000;
    expect(gateway.breakerState).toBe("half_open");
    expect(await gateway.validate(uncached.access_token)).toMatchObject({ ok: true, degraded: false });
    expect(gateway.breakerState).toBe("closed");
  });

  it("answers auth_unavailable with a retry hint when auth is down and no keys were ever fetched", async () => {
    const { auth, state } = switchableAuth();
    const gateway = new AuthGateway(auth, testGatewayOptions());
    state.mode = "failing";
    const { access_token } = await registerUser(exports.default);
    expect(await gateway.validate(access_token)).toMatchObject({
      ok: false,
      code: "auth_unavailable",
      retryAfterSeconds: expect.any(Number),
    });
  });
});

describe("HTTP while auth is down", () => {
  it("answers /api/me with 503 and Retry-After, never a 500 or a hang, when there is nothing to fall back on", async () => {
    const { auth, state } = switchableAuth();
    const downEnv = { ...env, AUTH: auth, AUTH_CALL_TIMEOUT_MS: "50" };
    state.mode = "hanging";
    const { access_token } = await registerUser(exports.default);
    const response = await backendApp.fetch(
      new Request(`${ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${access_token}` } }),
      downEnv,
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toEqual(expect.any(String));
    expect((await errorOf(response)).code).toBe("auth_unavailable");
  });

  it("keeps /api/me serving with X-Auth-Degraded once keys are known, and /health shows the open breaker", async () => {
    const { auth, state } = switchableAuth();
    const flakyEnv = { ...env, AUTH: auth, AUTH_BREAKER_FAILURE_THRESHOLD: "1", AUTH_CALL_TIMEOUT_MS: "50" };
    const me = (token: string) =>
      backendApp.fetch(new Request(`${ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${token}` } }), flakyEnv);
    const known = await registerUser(exports.default);
    expect((await me(known.access_token)).status).toBe(200);

    state.mode = "failing";
    const fresh = await registerUser(exports.default);
    const degraded = await me(fresh.access_token);
    expect(degraded.status).toBe(200);
    expect(degraded.headers.get("X-Auth-Degraded")).toBe("1");
    const cached = await me(known.access_token);
    expect(cached.status).toBe(200);
    expect(cached.headers.get("X-Auth-Degraded")).toBeNull();
    const health = await (await backendApp.fetch(new Request(`${ORIGIN}/health`), flakyEnv)).json();
    expect(health).toMatchObject({ auth: { breaker: "open" } });
  });
});
