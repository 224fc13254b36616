import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { ORIGIN, postWithBearer, registerUser } from "../support/http.js";
import { expectClosedWith, openAgentSocket } from "./agent-socket.js";

const app = exports.default;

describe("revocation reaches live Agent connections", () => {
  it("closes a live chat connection with a session_revoked frame and 4003 on logout", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token });
    expect((await socket.chat("m1", "before")).text).toBe("echo: before");
    expect((await postWithBearer(app, "/auth/logout", user.access_token)).status).toBe(204);
    expect((await socket.closed()).code).toBe(4003);
    expect(await socket.frame("session_revoked")).toEqual({ type: "session_revoked", payload: { reason: "logout" } });
  });

  it("refuses the logged-out token at the next connect with 4003, once session sync has told the session's directory", async () => {
    const user = await registerUser(app);
    expect((await postWithBearer(app, "/auth/logout", user.access_token)).status).toBe(204);
    // A connect's token is verified against the auth Worker's keys, and the session's directory is
    // the authority on its revocation; the logout's push reaches the directory after the 204.
    const { sid } = decodeJwt(user.access_token) as { sid: string };
    const directory = env.TETHER_AGENT_SESSIONS.get(env.TETHER_AGENT_SESSIONS.idFromName(sid));
    await expect.poll(() => runInDurableObject(directory, (_instance, state) => state.storage.get("revoked"))).toBeDefined();
    await expectClosedWith(await openAgentSocket(app, user.user.id, { token: user.access_token }), 4003, "session_revoked");
  });

  it("closes every instance a session reached on logout-all, and only that user's", async () => {
    const [ada, bob] = [await registerUser(app), await registerUser(app)];
    const sockets = [
      await openAgentSocket(app, ada.user.id, { token: ada.access_token }),
      await openAgentSocket(app, `${ada.user.id}~work`, { token: ada.access_token }),
    ];
    const bystander = await openAgentSocket(app, bob.user.id, { token: bob.access_token });
    expect((await postWithBearer(app, "/auth/logout-all", ada.access_token)).status).toBe(204);
    for (const socket of sockets) {
      expect((await socket.closed()).code).toBe(4003);
      expect(await socket.frame("session_revoked")).toMatchObject({ payload: { reason: "logout_all" } });
    }
    expect((await bystander.chat("b1", "still here")).text).toBe("echo: still here");
  });

  it("refuses a revoked session at the instance even while this isolate holds the token as valid", async () => {
    const user = await registerUser(app);
    // A first connect caches the token's verdict here and records the instance.
    const first = await openAgentSocket(app, user.user.id, { token: user.access_token });
    // Logged out straight at the auth Worker, so this isolate's cache is not told.
    const logout = await env.AUTH.fetch(`${ORIGIN}/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${user.access_token}` },
    });
    expect(logout.status).toBe(204);
    expect((await first.closed()).code).toBe(4003);
    await expectClosedWith(await openAgentSocket(app, user.user.id, { token: user.access_token }), 4003, "session_revoked");
    // An instance the session never reached: the session's directory refuses it.
    await expectClosedWith(await openAgentSocket(app, `${user.user.id}~new`, { token: user.access_token }), 4003, "session_revoked");
  });

  it("accepts session sync only from the auth Worker", async () => {
    const service = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
    if (!service.ok) throw new Error("no service token");
    const control = exports.SessionControl;
    for (const token of ["", "garbage", service.value.access_token]) {
      const result = await control.revokeSession(token, "some-session", "logout");
      expect(result.ok).toBe(false);
    }
  });
});
