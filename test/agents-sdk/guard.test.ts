import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgeToken } from "../support/forge.js";
import { errorOf, ORIGIN, registerUser } from "../support/http.js";
import { expectClosedWith, openAgentSocket } from "./agent-socket.js";

const app = exports.default;

/** The names of the Chat instances that exist, as ids: a refused request must add none. */
async function chatIds(): Promise<string[]> {
  return (await listDurableObjectIds(env.Chat)).map((id) => id.toString());
}

describe("the guard in front of an Agents SDK app", () => {
  it("lets a good token chat with the user's own instance and answers tether.v1", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token });
    expect(socket.protocol).toBe("tether.v1");
    // The AIChatAgent's own protocol: the answer streams back as several text deltas.
    const answer = await socket.chat("m1", "hello there");
    expect(answer.text).toBe("echo: hello there");
    expect(answer.deltas).toBeGreaterThan(1);
  });

  it("tells the agent who is calling, over the socket and over HTTP", async () => {
    const user = await registerUser(app, { name: "Ada Lovelace" });
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token, via: "header" });
    socket.send({ type: "whoami" });
    const whoami = await socket.frame("whoami");
    const expected = { userId: user.user.id, email: user.user.email, name: "Ada Lovelace", emailVerified: false };
    expect(whoami.payload).toMatchObject(expected);
    expect(whoami.payload).toHaveProperty("sessionId", expect.any(String));
    const http = await app.fetch(`${ORIGIN}/agents/chat/${user.user.id}/whoami`, {
      headers: { Authorization: `Bearer ${user.access_token}` },
    });
    expect(http.status).toBe(200);
    expect(await http.json()).toMatchObject(expected);
  });

  it("reaches another instance of the same user by a suffix", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, `${user.user.id}~work`, { token: user.access_token });
    expect((await socket.chat("w1", "at work")).text).toBe("echo: at work");
  });

  it("closes 4401 with no token, a bad one, a refresh token or a service token", async () => {
    const user = await registerUser(app);
    const service = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
    if (!service.ok) throw new Error("no service token");
    for (const token of [undefined, "garbage", user.refresh_token, service.value.access_token]) {
      await expectClosedWith(await openAgentSocket(app, user.user.id, { token }), 4401, "unauthorized");
    }
  });

  it("never reads a token from the query string", async () => {
    const user = await registerUser(app);
    for (const query of [`?token=${user.access_token}`, `?access_token=${user.access_token}`]) {
      await expectClosedWith(await openAgentSocket(app, user.user.id, { query }), 4401, "unauthorized");
    }
  });

  it("closes 4001 for an expired token", async () => {
    const user = await registerUser(app);
    const expired = await forgeToken(env.AUTH_DB, user.access_token, { exp: Math.floor(Date.now() / 1000) - 5 });
    await expectClosedWith(await openAgentSocket(app, user.user.id, { token: expired }), 4001, "token_expired");
  });

  it("refuses another user's instance (4403 for a socket, 403 over HTTP) without reaching it", async () => {
    const [ada, bob] = [await registerUser(app), await registerUser(app)];
    const before = await chatIds();
    await expectClosedWith(await openAgentSocket(app, bob.user.id, { token: ada.access_token }), 4403, "forbidden");
    await expectClosedWith(await openAgentSocket(app, `${bob.user.id}~work`, { token: ada.access_token }), 4403, "forbidden");
    const http = await app.fetch(`${ORIGIN}/agents/chat/${bob.user.id}/whoami`, {
      headers: { Authorization: `Bearer ${ada.access_token}` },
    });
    expect(http.status).toBe(403);
    expect((await errorOf(http)).code).toBe("forbidden");
    expect(await chatIds()).toEqual(before);
  });

  it("refuses a malformed suffix (4400 for a socket, 400 over HTTP)", async () => {
    const user = await registerUser(app);
    const id = user.user.id;
    for (const name of [`${id}~a%2Fb`, `${id}~..`, `${id}~a..b`, `${id}~`, `${id}~${"x".repeat(65)}`, `${id}~a%00b`, `${id}~%E0%A4%A`]) {
      await expectClosedWith(await openAgentSocket(app, name, { token: user.access_token }), 4400, "invalid_request");
    }
    const http = await app.fetch(`${ORIGIN}/agents/chat/${id}~a%2Fb/whoami`, { headers: { Authorization: `Bearer ${user.access_token}` } });
    expect(http.status).toBe(400);
    expect((await errorOf(http)).code).toBe("invalid_request");
  });

  it("refuses a token without agents:run (4403 for a socket, 403 permission_denied over HTTP)", async () => {
    const user = await registerUser(app);
    const readOnly = await forgeToken(env.AUTH_DB, user.access_token, { permissions: ["threads:read"] });
    await expectClosedWith(await openAgentSocket(app, user.user.id, { token: readOnly }), 4403, "forbidden");
    const http = await app.fetch(`${ORIGIN}/agents/chat/${user.user.id}/whoami`, { headers: { Authorization: `Bearer ${readOnly}` } });
    expect(http.status).toBe(403);
    expect((await errorOf(http)).code).toBe("permission_denied");
  });

  it("answers HTTP refusals in the one error shape", async () => {
    const user = await registerUser(app);
    const none = await app.fetch(`${ORIGIN}/agents/chat/${user.user.id}/whoami`);
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toBe("Bearer");
    expect((await errorOf(none)).code).toBe("invalid_token");
    const expired = await forgeToken(env.AUTH_DB, user.access_token, { exp: Math.floor(Date.now() / 1000) - 5 });
    const stale = await app.fetch(`${ORIGIN}/agents/chat/${user.user.id}/whoami`, { headers: { Authorization: `Bearer ${expired}` } });
    expect(stale.status).toBe(401);
    expect((await errorOf(stale)).code).toBe("token_expired");
  });

  it("routes only the Agent classes it was given", async () => {
    const user = await registerUser(app);
    const response = await app.fetch(`${ORIGIN}/agents/tether-agent-sessions/${user.user.id}`, {
      headers: { Authorization: `Bearer ${user.access_token}` },
    });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("not_found");
  });

  it("closes a connection whose Agent dropped the session tag (1011), since no revocation could reach it", async () => {
    const user = await registerUser(app);
    const caller = {
      sub: user.user.id,
      sid: "sid-untagged",
      email: user.user.email,
      name: "U",
      email_verified: false,
      permissions: [],
      exp: 0,
    };
    const stub = env.UNTAGGED_CHAT.get(env.UNTAGGED_CHAT.idFromName(user.user.id));
    const response = await stub.fetch(`${ORIGIN}/agents/untagged-chat/${user.user.id}`, {
      headers: { Upgrade: "websocket", "X-Tether-Agent-Caller": JSON.stringify(caller) },
    });
    const socket = response.webSocket;
    if (!socket) throw new Error(`no upgrade: ${response.status}`);
    const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)));
    socket.accept();
    expect(await closed).toBe(1011);
  });

  it("overwrites a caller header the client made up", async () => {
    const user = await registerUser(app);
    const forged = JSON.stringify({
      sub: "someone-else",
      sid: "x",
      email: "x@example.com",
      name: "X",
      email_verified: true,
      permissions: [],
      exp: 0,
    });
    const response = await app.fetch(`${ORIGIN}/agents/chat/${user.user.id}/whoami`, {
      headers: { Authorization: `Bearer ${user.access_token}`, "X-Tether-Agent-Caller": forged },
    });
    expect(await response.json()).toMatchObject({ userId: user.user.id });
  });
});
