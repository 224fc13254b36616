import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AuthServiceCaller } from "../../workers/shared/auth-service-caller.js";
import type { BackendBindings } from "../../workers/backend/config.js";
import { ApiError } from "../../workers/shared/errors.js";
import { registerUser } from "../support/http.js";

const credentials = { serviceId: env.AUTH_SERVICE_ID, serviceSecret: env.AUTH_SERVICE_SECRET };

/** The real AUTH binding, counting how often a service token is minted through it. */
function countingBinding() {
  const counts = { issueServiceToken: 0 };
  const binding = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => env.AUTH.fetch(input, init),
    issueServiceToken: (id: string, secret: string) => {
      counts.issueServiceToken += 1;
      return env.AUTH.issueServiceToken(id, secret);
    },
    validateAccessToken: (serviceToken: string, token: string) => env.AUTH.validateAccessToken(serviceToken, token),
    getUser: (serviceToken: string, userId: string) => env.AUTH.getUser(serviceToken, userId),
    jwks: (serviceToken: string) => env.AUTH.jwks(serviceToken),
  } as BackendBindings["AUTH"];
  return { binding, counts };
}

describe("the backend's caller of the auth service over the service binding", () => {
  it("validates a user's access token with a service token it minted", async () => {
    const tokens = await registerUser(exports.default);
    const result = await new AuthServiceCaller(env.AUTH, credentials).validateAccessToken(tokens.access_token);
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ sub: tokens.user.id, token_type: "access", email: tokens.user.email }),
    });
  });

  it("mints its service token once and reuses it for later calls", async () => {
    const { binding, counts } = countingBinding();
    const caller = new AuthServiceCaller(binding, credentials);
    const tokens = await registerUser(exports.default);
    await caller.validateAccessToken(tokens.access_token);
    await caller.getUser(tokens.user.id);
    await caller.jwks();
    expect(counts.issueServiceToken).toBe(1);
  });

  it("reads the user and both key sets through RPC", async () => {
    const tokens = await registerUser(exports.default);
    const caller = new AuthServiceCaller(env.AUTH, credentials);
    const user = await caller.getUser(tokens.user.id);
    expect(user).toEqual({ ok: true, value: expect.objectContaining({ id: tokens.user.id, email: tokens.user.email }) });
    const keys = await caller.jwks();
    if (!keys.ok) throw new Error(keys.error.code);
    expect(keys.value.access.keys.length).toBeGreaterThan(0);
    expect(keys.value.service.keys.length).toBeGreaterThan(0);
  });

  it("reports auth_unavailable when its credentials are refused", async () => {
    const caller = new AuthServiceCaller(env.AUTH, { ...credentials, serviceSecret: "not-the-secret" });
    const failure = await caller.jwks().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe("auth_unavailable");
  });

  it("gets a typed failure, not an exception, for a bad user token", async () => {
    const result = await new AuthServiceCaller(env.AUTH, credentials).validateAccessToken("not.a.token");
    expect(result).toEqual({ ok: false, error: { code: "invalid_token", message: expect.any(String) } });
  });
});
