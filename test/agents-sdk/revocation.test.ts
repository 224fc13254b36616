import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { TetherAgentSessionControl } from "../../workers/backend/agents-sdk/session-control.js";
import { forgedServiceToken } from "../support/forge.js";
import { ORIGIN, postJson, postWithBearer, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";
import { expectClosedWith, openAgentSocket } from "./agent-socket.js";

const app = exports.default;

/** The auth Worker's own session-sync token (`sub: "auth"`). */
const authServiceToken = () => forgedServiceToken(env.AUTH_DB, { sub: "auth", service: "tether-auth", permissions: ["sessions:revoke"] });

async function signInAgain(tokens: TokenResponse): Promise<TokenResponse> {
  const login = await postJson(app, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD });
  expect(login.status).toBe(200);
  return (await login.json()) as TokenResponse;
}

describe("revocation reaches live Agent connections", () => {
  it("closes a live chat connection with a session_revoked frame and 4003 on logout", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token });
    expect((await socket.chat("m1", "before")).text).toBe("echo: before");
    expect((await postWithBearer(app, "/auth/logout", user.access_token)).status).toBe(204);
    expect((await socket.closed()).code).toBe(4003);
    expect(await socket.frame("session_revoked")).toEqual({ type: "session_revoked", payload: { reason: "logout" } });
  });

  it("refuses the logged-out token at the next connect with 4003, once session sync has told the user's directory", async () => {
    const user = await registerUser(app);
    expect((await postWithBearer(app, "/auth/logout", user.access_token)).status).toBe(204);
    // A connect's token is verified against the auth Worker's keys, and the user's directory is
    // the authority on the session's revocation; the logout's push reaches it after the 204.
    const { sid } = decodeJwt(user.access_token) as { sid: string };
    const directory = env.TETHER_AGENT_SESSIONS.get(env.TETHER_AGENT_SESSIONS.idFromName(user.user.id));
    await expect.poll(() => runInDurableObject(directory, (_instance, state) => state.storage.kv.get(`revoked:${sid}`))).toBeDefined();
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
    // The app's entrypoint (TetherAgentSessionControl), typed here as the backend's by the shared globals.
    const control = exports.SessionControl as unknown as TetherAgentSessionControl;
    for (const token of ["", "garbage", service.value.access_token]) {
      const result = await control.revokeSession(token, "some-session", "logout", "some-user");
      expect(result.ok).toBe(false);
    }
  });

  it("refuses a revocation without its user (an auth Worker older than the per-user directory), closing nothing", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token });
    const { sid } = decodeJwt(user.access_token) as { sid: string };
    const token = await authServiceToken();
    const control = exports.SessionControl as unknown as { revokeSession(...args: unknown[]): Promise<unknown> };
    for (const userId of [undefined, "", "x".repeat(65), 42]) {
      expect(await control.revokeSession(token, sid, "logout", userId)).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    }
    expect((await socket.chat("m1", "still open")).text).toBe("echo: still open");
  });

  it("refuses, at an instance registered after it, a session revoked before — even when the isolate skips the directory", async () => {
    const laptop = await registerUser(app);
    const phone = await signInAgain(laptop);
    await openAgentSocket(app, laptop.user.id, { token: laptop.access_token });
    expect((await postWithBearer(app, "/auth/logout", phone.access_token)).status).toBe(204);
    const { sid } = decodeJwt(phone.access_token) as { sid: string };
    const directory = env.TETHER_AGENT_SESSIONS.get(env.TETHER_AGENT_SESSIONS.idFromName(laptop.user.id));
    await expect.poll(() => runInDurableObject(directory, (_instance, state) => state.storage.kv.get(`revoked:${sid}`))).toBeDefined();
    // The laptop's connect registers a new instance (this isolate then skips the directory for it);
    // the directory tells it of the phone's earlier revocation, and the instance refuses the phone.
    const fresh = await openAgentSocket(app, `${laptop.user.id}~later`, { token: laptop.access_token });
    expect((await fresh.chat("m1", "registered")).text).toBe("echo: registered");
    await expectClosedWith(await openAgentSocket(app, `${laptop.user.id}~later`, { token: phone.access_token }), 4003, "session_revoked");
  });

  it("closes only the revoked session's connections when the user has several sessions on one instance", async () => {
    const laptop = await registerUser(app);
    const phone = await signInAgain(laptop);
    const onLaptop = await openAgentSocket(app, laptop.user.id, { token: laptop.access_token });
    const onPhone = await openAgentSocket(app, laptop.user.id, { token: phone.access_token });
    expect((await postWithBearer(app, "/auth/logout", phone.access_token)).status).toBe(204);
    expect((await onPhone.closed()).code).toBe(4003);
    expect((await onLaptop.chat("m1", "laptop stays")).text).toBe("echo: laptop stays");
    // The laptop's session still connects to a new instance; the phone's does not.
    const fresh = await openAgentSocket(app, `${laptop.user.id}~new`, { token: laptop.access_token });
    expect((await fresh.chat("m2", "new instance")).text).toBe("echo: new instance");
    await expectClosedWith(await openAgentSocket(app, `${laptop.user.id}~new`, { token: phone.access_token }), 4003, "session_revoked");
  });
});
