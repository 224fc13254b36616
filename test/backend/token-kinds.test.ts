import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, ORIGIN, registerUser, USER_TOKEN_ROUTES } from "../support/http.js";
import { openSocket } from "../support/ws.js";

describe("a token of one kind is never accepted as another", () => {
  it("refuses a service token and a refresh token at every user route and at /ws", async () => {
    const grant = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
    if (!grant.ok) throw new Error(grant.error.code);
    const user = await registerUser(exports.default);
    for (const wrongKind of [grant.value.access_token, user.refresh_token]) {
      for (const [method, path] of USER_TOKEN_ROUTES) {
        const response = await exports.default.fetch(`${ORIGIN}${path}`, { method, headers: { Authorization: `Bearer ${wrongKind}` } });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect((await errorOf(response)).code).toBe("invalid_token");
      }
      const socket = await openSocket(exports.default, { token: wrongKind });
      expect((await socket.closed()).code).toBe(4401);
    }
    // The user's own token still works everywhere: the refusals above were about the kind.
    const me = await exports.default.fetch(`${ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${user.access_token}` } });
    expect(me.status).toBe(200);
  });

  it("refuses a user token where a service token is required, at every RPC method", async () => {
    const user = await registerUser(exports.default);
    const calls = [
      env.AUTH.validateAccessToken(user.access_token, user.access_token),
      env.AUTH.getUser(user.access_token, user.user.id),
      env.AUTH.jwks(user.access_token),
      env.AUTH.disableUser(user.access_token, user.user.id),
    ];
    for (const result of await Promise.all(calls)) expect(result).toMatchObject({ ok: false, error: { code: "invalid_service" } });
  });
});
