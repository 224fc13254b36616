import { env } from "cloudflare:workers";
import { generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { BackendBindings } from "../../workers/backend/config.js";
import { verifyServiceCaller } from "../../workers/backend/service-callers.js";
import { BACKEND_SETTINGS } from "../../workers/shared/backend-config.js";
import type { AuthServiceApi } from "../../workers/shared/rpc.js";

/**
 * The backend's one check of service tokens (workers/backend/service-callers.ts): a token that
 * fails with the cached keys refetches them once — but on a public route (POST /api/events) at
 * most every 10 s, so a flood of tokens with unknown keys costs the auth Worker nothing.
 */
function countingAuth(): { env: BackendBindings; jwksCalls: () => number } {
  let calls = 0;
  const auth: Pick<AuthServiceApi, "issueServiceToken" | "jwks"> = {
    issueServiceToken: async () => ({
      ok: true,
      value: { access_token: "minted", token_type: "Bearer", expires_in: 300, service_name: "tether-backend" },
    }),
    jwks: async () => {
      calls += 1;
      return { ok: true, value: { access: { keys: [] }, service: { keys: [] } } };
    },
  };
  // A new env object: the isolate's gateway (workers/backend/gateway.ts) is made anew for it.
  return { env: { ...env, AUTH: auth } as unknown as BackendBindings, jwksCalls: () => calls };
}

async function tokenWithUnknownKey(): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT({ service: "intruder", token_type: "service", permissions: ["events:publish"] })
    .setProtectedHeader({ alg: "ES256", kid: crypto.randomUUID(), typ: "JWT" })
    .setIssuer(env.AUTH_ISSUER)
    .setAudience("tether-backend")
    .setSubject("intruder")
    .setIssuedAt()
    .setExpirationTime("5m")
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

describe("verifyServiceCaller", () => {
  it("on a public route, refetches the keys for unknown tokens at most once per 10 s", async () => {
    const { env: counted, jwksCalls } = countingAuth();
    const rule = { permission: "events:publish", public: true } as const;
    await expect(verifyServiceCaller(counted, BACKEND_SETTINGS, await tokenWithUnknownKey(), rule)).rejects.toMatchObject({
      code: "invalid_service",
    });
    const afterFirst = jwksCalls();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expect(verifyServiceCaller(counted, BACKEND_SETTINGS, await tokenWithUnknownKey(), rule)).rejects.toMatchObject({
        code: "invalid_service",
      });
    }
    expect(jwksCalls()).toBe(afterFirst);
  });

  it("over a binding, refetches once for each token that fails (a rotation must reach session sync at once)", async () => {
    const { env: counted, jwksCalls } = countingAuth();
    const rule = { permission: "sessions:revoke", subject: "auth" } as const;
    await expect(verifyServiceCaller(counted, BACKEND_SETTINGS, await tokenWithUnknownKey(), rule)).rejects.toMatchObject({
      code: "invalid_service",
    });
    const afterFirst = jwksCalls();
    await expect(verifyServiceCaller(counted, BACKEND_SETTINGS, await tokenWithUnknownKey(), rule)).rejects.toMatchObject({
      code: "invalid_service",
    });
    expect(jwksCalls()).toBe(afterFirst + 1);
  });
});
