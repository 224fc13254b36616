import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { BackendBindings } from "../../workers/backend/config.js";
import type { SessionControlApi } from "../../workers/shared/rpc.js";
import { seedServiceClient } from "../support/auth-db.js";
import { postJson, postWithBearer, STRONG_PASSWORD, type TokenBody } from "../support/http.js";
import { openSession, openSocket } from "../support/ws.js";

const backendEnv = env as unknown as BackendBindings & { AUTH_DB: D1Database; AUTH_SERVICE_SECRET: string };
const sessionControl = exports.SessionControl as unknown as SessionControlApi;

async function expectRevokedClose(closed: Promise<{ code: number; reason: string }>) {
  const { code, reason } = await closed;
  expect(code).toBe(4003);
  expect(JSON.parse(reason)).toMatchObject({ code: "session_revoked" });
}

describe("session sync: revocations close live sockets at once", () => {
  it("logout closes the session's socket with 4003, and the session stays closed", async () => {
    const { socket, tokens } = await openSession(exports.default);
    expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
    await expectRevokedClose(socket.closed());
    const again = await openSocket(exports.default, { token: tokens.access_token });
    await expectRevokedClose(again.closed());
    // The outbox row is marked delivered right after the push returns (no event to await: poll).
    const delivered = () =>
      backendEnv.AUTH_DB.prepare("SELECT delivered_at FROM session_sync_outbox WHERE user_id = ?").bind(tokens.user.id).first("delivered_at");
    await expect.poll(delivered).toEqual(expect.any(Number));
  });

  it("logout-all from another session closes every socket of the user", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const login = await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD });
    const other = (await login.json()) as TokenBody;
    const otherSocket = await openSocket(exports.default, { token: other.access_token });
    await otherSocket.next("connection_established");
    await postWithBearer(exports.default, "/auth/logout-all", other.access_token);
    await expectRevokedClose(socket.closed());
    await expectRevokedClose(otherSocket.closed());
  });

  it("refresh-token reuse closes the socket", async () => {
    const { socket, tokens } = await openSession(exports.default);
    await postJson(exports.default, "/auth/refresh", { refresh_token: tokens.refresh_token });
    await postJson(exports.default, "/auth/refresh", { refresh_token: tokens.refresh_token });
    await expectRevokedClose(socket.closed());
  });
});

describe("disabling a user", () => {
  it("closes every socket of the user with 4003 and refuses the next sign-in; it needs users:disable", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const backendGrant = await backendEnv.AUTH.issueServiceToken(backendEnv.AUTH_SERVICE_ID, backendEnv.AUTH_SERVICE_SECRET);
    if (!backendGrant.ok) throw new Error(backendGrant.error.code);
    expect(await backendEnv.AUTH.disableUser(backendGrant.value.access_token, tokens.user.id)).toMatchObject({
      ok: false,
      error: { code: "permission_denied" },
    });

    const admin = await seedServiceClient(backendEnv.AUTH_DB, { permissions: ["users:disable"] });
    const adminGrant = await backendEnv.AUTH.issueServiceToken(admin.id, admin.secret);
    if (!adminGrant.ok) throw new Error(adminGrant.error.code);
    expect(await backendEnv.AUTH.disableUser(adminGrant.value.access_token, tokens.user.id)).toEqual({ ok: true, value: { sessions_revoked: 1 } });
    await expectRevokedClose(socket.closed());
    const login = await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD });
    expect(login.status).toBe(401);
  });
});

describe("SessionControl accepts only the auth service", () => {
  it("refuses a missing, garbage, user or wrongly addressed service token and closes nothing", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const { sid } = decodeJwt(tokens.access_token) as { sid: string };
    const grant = await backendEnv.AUTH.issueServiceToken(backendEnv.AUTH_SERVICE_ID, backendEnv.AUTH_SERVICE_SECRET);
    if (!grant.ok) throw new Error(grant.error.code);
    for (const bad of ["", "garbage", tokens.access_token, tokens.refresh_token, grant.value.access_token]) {
      expect((await sessionControl.revokeSession(bad, sid, "logout")).ok).toBe(false);
      expect((await sessionControl.revokeUser(bad, tokens.user.id, [sid], "logout_all")).ok).toBe(false);
      expect((await sessionControl.userUpdated(bad, { ...tokens.user, created_at: "", disabled: false })).ok).toBe(false);
    }
    socket.send({ type: "ping", id: "alive", payload: {} });
    expect((await socket.next("pong")).reply_to).toBe("alive");
    socket.close();
  });
});
