import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { seedResetToken, seedServiceClient } from "../support/auth-db.js";
import { getWithBearer, postJson, postWithBearer, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";
import { openSocket, type TestSocket } from "../support/ws.js";

/**
 * @module
 * A connect is verified in the backend against the auth Worker's keys, with no call to auth: the
 * session's object refuses a revoked session, told so by session sync. Each revocation below
 * leaves an access token that still verifies (unexpired, signed); once its push is delivered a new
 * connect with it is refused with 4003, and a push that comes late still closes what opened before.
 */

type Revoked = { token: string; userId: string; reason: string };

/** Every session-sync row of the user delivered: the session objects have been told. */
async function pushDelivered(userId: string): Promise<void> {
  const pending = env.AUTH_DB.prepare("SELECT count(*) AS n FROM session_sync_outbox WHERE user_id = ? AND delivered_at IS NULL").bind(
    userId,
  );
  const all = env.AUTH_DB.prepare("SELECT count(*) AS n FROM session_sync_outbox WHERE user_id = ?").bind(userId);
  await expect.poll(async () => [await all.first("n"), await pending.first("n")]).toEqual([expect.any(Number), 0]);
  expect(await all.first("n")).toBeGreaterThan(0);
}

async function expectConnectRefused(token: string): Promise<void> {
  // Still a token that verifies: the refusal is the session object's, not the token's expiry.
  expect((decodeJwt(token).exp ?? 0) * 1000).toBeGreaterThan(Date.now());
  const socket = await openSocket(exports.default, { token });
  const closed = await socket.closed();
  expect(closed.code).toBe(4003);
  expect(JSON.parse(closed.reason)).toMatchObject({ code: "session_revoked" });
  expect(socket.frames).toEqual([]);
}

async function signInAgain(tokens: TokenResponse): Promise<TokenResponse> {
  const login = await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD });
  expect(login.status).toBe(200);
  return (await login.json()) as TokenResponse;
}

/**
 * The session's revocation as auth records it, with its push not delivered yet (the first attempt
 * failed and the row waits for a retry): what a claim records (test/security/auth/credential-races)
 * and what any revocation leaves while the backend cannot be reached.
 */
async function recordUndeliveredRevocation(userId: string, sessionId: string, kind: "revoke_session" | "revoke_user", reason: string) {
  const nowMs = Date.now();
  await env.AUTH_DB.batch([
    env.AUTH_DB.prepare("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ?").bind(nowMs, reason, sessionId),
    env.AUTH_DB.prepare(
      "INSERT INTO session_sync_outbox (id, kind, user_id, session_ids, reason, created_at, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, 1, 'backend unavailable')",
    ).bind(crypto.randomUUID(), kind, userId, JSON.stringify([sessionId]), reason, nowMs),
  ]);
}

/** The outbox delivered again: any revocation's push delivers every pending row, as the cron's retry does. */
async function retryOutbox(): Promise<void> {
  const bystander = await registerUser(exports.default);
  expect((await postWithBearer(exports.default, "/auth/logout", bystander.access_token)).status).toBe(204);
}

const sidOf = (token: string) => (decodeJwt(token) as { sid: string }).sid;

const revocations: Array<[name: string, revoke: () => Promise<Revoked>]> = [
  [
    "logout",
    async () => {
      const tokens = await registerUser(exports.default);
      expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
      return { token: tokens.access_token, userId: tokens.user.id, reason: "logout" };
    },
  ],
  [
    "logout-all from another session",
    async () => {
      const tokens = await registerUser(exports.default);
      const other = await signInAgain(tokens);
      expect((await postWithBearer(exports.default, "/auth/logout-all", other.access_token)).status).toBe(204);
      return { token: tokens.access_token, userId: tokens.user.id, reason: "logout_all" };
    },
  ],
  [
    "refresh-token reuse",
    async () => {
      const tokens = await registerUser(exports.default);
      expect((await postJson(exports.default, "/auth/refresh", { refresh_token: tokens.refresh_token })).status).toBe(200);
      // Past the grace period a second presentation is reuse, which revokes the whole session.
      await env.AUTH_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - 31000 WHERE user_id = ? AND used_at IS NOT NULL")
        .bind(tokens.user.id)
        .run();
      expect((await postJson(exports.default, "/auth/refresh", { refresh_token: tokens.refresh_token })).status).toBe(401);
      return { token: tokens.access_token, userId: tokens.user.id, reason: "refresh_token_reuse" };
    },
  ],
  [
    "password reset",
    async () => {
      const tokens = await registerUser(exports.default);
      const token = await seedResetToken(env.AUTH_DB, tokens.user);
      expect((await postJson(exports.default, "/auth/password/reset", { token, password: "a brand new passphrase" })).status).toBe(204);
      return { token: tokens.access_token, userId: tokens.user.id, reason: "password_reset" };
    },
  ],
  [
    "account claim",
    async () => {
      // The claim itself is a provider sign-in (auth project); here, the revocation it records, delivered.
      const tokens = await registerUser(exports.default);
      await recordUndeliveredRevocation(tokens.user.id, sidOf(tokens.access_token), "revoke_user", "account_claimed");
      await retryOutbox();
      return { token: tokens.access_token, userId: tokens.user.id, reason: "account_claimed" };
    },
  ],
  [
    "a disabled user",
    async () => {
      const tokens = await registerUser(exports.default);
      const admin = await seedServiceClient(env.AUTH_DB, { permissions: ["users:disable"] });
      const grant = await env.AUTH.issueServiceToken(admin.id, admin.secret);
      if (!grant.ok) throw new Error(grant.error.code);
      expect(await env.AUTH.disableUser(grant.value.access_token, tokens.user.id)).toMatchObject({ ok: true });
      return { token: tokens.access_token, userId: tokens.user.id, reason: "user_disabled" };
    },
  ],
];

describe("a new connect of a revoked session, with its still-valid access token", () => {
  it.each(revocations)("is refused with 4003 once %s's push is delivered", async (_name, revoke) => {
    const revoked = await revoke();
    await pushDelivered(revoked.userId);
    await expectConnectRefused(revoked.token);
    // And again: the marker stays (a second object instance, a later isolate, read it from storage).
    await expectConnectRefused(revoked.token);
  });

  it("is refused for a session that never had a socket, and the user's other sessions still connect", async () => {
    const tokens = await registerUser(exports.default);
    const other = await signInAgain(tokens);
    expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
    await pushDelivered(tokens.user.id);
    await expectConnectRefused(tokens.access_token);
    const socket = await openSocket(exports.default, { token: other.access_token });
    await socket.next("connection_established");
    socket.close();
  });
});

describe("a revocation whose push comes late (the outbox's retry)", () => {
  async function expectRevoked(socket: TestSocket, reason: string) {
    expect((await socket.next("session_revoked")).payload).toEqual({ reason });
    const closed = await socket.closed();
    expect(closed.code).toBe(4003);
  }

  it("closes the sockets that connected in between, then refuses the next connect", async () => {
    const tokens = await registerUser(exports.default);
    await recordUndeliveredRevocation(tokens.user.id, sidOf(tokens.access_token), "revoke_session", "logout");
    // Until the push arrives the session's object has not been told: a connect in between is let in
    // (its token verifies), while /api, which asks auth, already refuses the token.
    const between = await openSocket(exports.default, { token: tokens.access_token });
    await between.next("connection_established");
    const me = await getWithBearer(exports.default, "/api/me", tokens.access_token);
    expect(me.status).toBe(401);
    await retryOutbox();
    await expectRevoked(between, "logout");
    await pushDelivered(tokens.user.id);
    await expectConnectRefused(tokens.access_token);
  });
});
