import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgedServiceToken } from "../support/forge.js";
import { errorOf, getWithBearer, ORIGIN, registerUser, type TokenResponse, USER_TOKEN_ROUTES } from "../support/http.js";
import { openSession, openSocket } from "../support/ws.js";
import { attackCorpus, type AttackToken } from "./jwt-corpus.js";
import { isFrame } from "../support/frames.js";

/**
 * The JWT attack corpus against every place a token is accepted: the HTTP routes, the /ws
 * upgrade, `auth_refresh` on a live socket, and every RPC method of both Workers. Every entry is
 * refused — 401 and the JSON error shape over HTTP, a typed close or `error` frame over the socket,
 * a failed result over RPC — and nothing changes: the real token still works afterwards.
 */
const sessionControl = exports.SessionControl;

let user: TokenResponse;
let accessAttacks: AttackToken[];
let serviceAttacks: AttackToken[];
let backendBoundAttacks: AttackToken[];

/** A service token as the auth Worker mints its own, addressed to the backend's SessionControl. */
const authsOwnServiceToken = () =>
  forgedServiceToken(env.AUTH_DB, { sub: "auth", service: "tether-auth", permissions: ["sessions:revoke", "users:sync"] });

beforeAll(async () => {
  user = await registerUser(exports.default);
  const grant = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
  if (!grant.ok) throw new Error(grant.error.code);
  accessAttacks = await attackCorpus(env.AUTH_DB, user.access_token, "access");
  serviceAttacks = await attackCorpus(env.AUTH_DB, grant.value.access_token, "service");
  backendBoundAttacks = await attackCorpus(env.AUTH_DB, await authsOwnServiceToken(), "service");
});

async function expectStillSignedIn(): Promise<void> {
  const me = await getWithBearer(exports.default, "/api/me", user.access_token);
  expect(me.status).toBe(200);
}

describe("the JWT attack corpus", () => {
  it("is refused at every HTTP route that takes a user's token, with 401 and the error shape", async () => {
    for (const attack of accessAttacks) {
      for (const [method, path] of USER_TOKEN_ROUTES) {
        const response = await exports.default.fetch(`${ORIGIN}${path}`, { method, headers: { Authorization: `Bearer ${attack.token}` } });
        const where = `${attack.name} at ${method} ${path}`;
        expect(response.status, where).toBe(401);
        const { code } = await errorOf(response);
        expect(code, where).toBe(attack.expired ? "token_expired" : "invalid_token");
      }
    }
    await expectStillSignedIn();
  });

  it("is refused at the /ws upgrade with a typed close, touching no session", async () => {
    for (const attack of accessAttacks) {
      const response = await exports.default.fetch(`${ORIGIN}/ws`, {
        headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `tether.v1, bearer.${attack.token}` },
      });
      if (attack.oversize && response.status !== 101) {
        expect(response.status, attack.name).toBeGreaterThanOrEqual(400);
        expect(response.status, attack.name).toBeLessThan(500);
        continue;
      }
      expect(response.status, attack.name).toBe(101);
      const socket = response.webSocket;
      if (!socket) throw new Error("a 101 without a socket");
      const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)));
      socket.accept();
      expect(await closed, attack.name).toBe(attack.expired ? 4001 : 4401);
    }
  });

  it("is refused by auth_refresh on a live socket, which keeps its own token and goes on", async () => {
    // The corpus is built from this user's token: a valid-looking one would be the same session.
    const tokens = user;
    // A fresh tab of the session every 30 attacks (the session's frame budget is 120 per 10 s; its
    // refresh budget is raised for this project in vitest.config.ts, so every attack reaches validation).
    for (let first = 0; first < accessAttacks.length; first += 30) {
      const socket = await openSocket(exports.default, { token: tokens.access_token });
      const hello = await socket.next("connection_established");
      for (const [offset, attack] of accessAttacks.slice(first, first + 30).entries()) {
        const id = `attack-${first + offset}`;
        socket.send({ type: "auth_refresh", id, payload: { token: attack.token } });
        const frames = await socket.until((received) => received.some((frame) => frame.reply_to === id));
        const reply = frames.find((frame) => frame.reply_to === id);
        expect(reply?.type, attack.name).toBe("error");
        expect(["invalid_token", "token_expired", "invalid_frame"], attack.name).toContain(
          isFrame(reply, "error") ? reply.payload.code : undefined,
        );
      }
      socket.send({ type: "ping", id: "after", payload: {} });
      await socket.next("pong");
      expect(socket.frames.some((frame) => frame.type === "auth_refreshed")).toBe(false);
      expect(hello.payload.token_expires_at).toEqual(expect.any(String));
      socket.close();
    }
  });

  it("is refused by the auth Worker's validateAccessToken over RPC", async () => {
    const grant = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
    if (!grant.ok) throw new Error(grant.error.code);
    for (const attack of accessAttacks) {
      const result = await env.AUTH.validateAccessToken(grant.value.access_token, attack.token);
      expect(result.ok, attack.name).toBe(false);
      if (!result.ok) expect(["invalid_token", "token_expired", "invalid_request"], attack.name).toContain(result.error.code);
    }
  });

  it("as a service token, is refused at POST /auth/validate and every AuthService method", async () => {
    for (const attack of serviceAttacks) {
      const response = await exports.default.fetch(`${ORIGIN}/auth/validate`, {
        method: "POST",
        headers: { Authorization: `Bearer ${attack.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ token: user.access_token }),
      });
      expect(response.status, attack.name).toBe(401);
      expect(["invalid_service", "service_token_required"], attack.name).toContain((await errorOf(response)).code);
      const results = await Promise.all([
        env.AUTH.validateAccessToken(attack.token, user.access_token),
        env.AUTH.getUser(attack.token, user.user.id),
        env.AUTH.jwks(attack.token),
        env.AUTH.disableUser(attack.token, user.user.id),
      ]);
      for (const result of results) {
        expect(result.ok, attack.name).toBe(false);
        if (!result.ok) expect(["invalid_service", "invalid_request"], attack.name).toContain(result.error.code);
      }
    }
    await expectStillSignedIn();
  });

  it("as a service token, is refused by every SessionControl method of the backend, and no socket closes", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const sid = JSON.parse(atob((tokens.access_token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
    for (const attack of backendBoundAttacks) {
      const results = await Promise.all([
        sessionControl.revokeSession(attack.token, sid, "logout"),
        sessionControl.revokeUser(attack.token, tokens.user.id, [sid], "logout_all"),
        sessionControl.userUpdated(attack.token, { ...tokens.user, created_at: new Date().toISOString(), disabled: true }, [sid]),
        sessionControl.userClaimed(attack.token, tokens.user.id, Date.now()),
      ]);
      for (const result of results) expect(result.ok, attack.name).toBe(false);
    }
    socket.send({ type: "ping", id: "still-open", payload: {} });
    await socket.next("pong");
    expect(socket.closeEvent).toBeNull();
    socket.close();
  });
});
