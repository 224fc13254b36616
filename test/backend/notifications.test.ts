import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { seedServiceClient } from "../support/auth-db.js";
import { ORIGIN, postJson, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";
import { openSession, openSocket, type TestSocket } from "../support/ws.js";

/** A registered service client addressed to the backend, and a service token minted for it by POST /auth/service-token. */
async function publisher(permissions: string[] = ["events:publish"], audiences = ["tether-backend"]) {
  const client = await seedServiceClient(env.AUTH_DB, { audiences, permissions });
  const minted = await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: client.secret });
  expect(minted.status).toBe(200);
  const { access_token: token } = (await minted.json()) as { access_token: string };
  return { id: client.id, token };
}

function publish(token: string | null, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return exports.default.fetch(`${ORIGIN}/api/events`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A second session of the same user (another device): a new sign-in. */
async function signInAgain(tokens: TokenResponse): Promise<TokenResponse> {
  const login = await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD });
  expect(login.status).toBe(200);
  return login.json();
}

async function connected(token: string, query = ""): Promise<{ socket: TestSocket; lastSeq: number }> {
  const socket = await openSocket(exports.default, { token, query });
  const established = await socket.next("connection_established");
  return { socket, lastSeq: established.payload.last_seq };
}

/**
 * Everything the server sent this socket before now has arrived: a pong is answered after any
 * frame already sent, so a notification sent by mistake would be in `frames` by then.
 */
async function settled(socket: TestSocket): Promise<TestSocket["frames"]> {
  socket.send({ type: "ping", id: crypto.randomUUID(), payload: {} });
  await socket.next("pong");
  return socket.frames;
}

const notificationsOf = (frames: TestSocket["frames"]) => frames.filter((frame) => frame.type === "notification");

describe("notifications: POST /api/events reaches every live session of the user", () => {
  it("gives each of two sessions of one user every event once, numbered in order", async () => {
    const { token } = await publisher();
    const first = await registerUser(exports.default);
    const second = await signInAgain(first);
    const a = await connected(first.access_token);
    const b = await connected(second.access_token);

    const one = await publish(token, { user_id: first.user.id, name: "report.ready", data: { report: 1 } });
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ event_id: expect.any(String), sessions: 2 });
    const two = await publish(token, { user_id: first.user.id, name: "payment.cleared", data: [1, "two", null] });
    expect(await two.json()).toMatchObject({ sessions: 2 });

    for (const { socket, lastSeq } of [a, b]) {
      const notices = notificationsOf(await socket.until((frames) => notificationsOf(frames).length === 2));
      expect(notices.map((frame) => frame.payload)).toEqual([
        { name: "report.ready", data: { report: 1 } },
        { name: "payment.cleared", data: [1, "two", null] },
      ]);
      expect(notices.map((frame) => frame.seq)).toEqual([lastSeq + 1, lastSeq + 2]);
      expect(notices[0]?.thread_id).toBeUndefined();
      expect(notificationsOf(await settled(socket))).toHaveLength(2);
    }
  });

  it("replays a notification missed while away on resume, once, then the new ones", async () => {
    const { token } = await publisher();
    const { socket, tokens } = await openSession(exports.default);
    const established = socket.frames[0];
    if (established?.type !== "connection_established") throw new Error("no connection_established first");
    const seen = established.payload.last_seq;
    socket.close();
    await socket.closed();
    expect(await (await publish(token, { user_id: tokens.user.id, name: "while.away", data: "missed" })).json()).toMatchObject({
      sessions: 1,
    });

    const back = await connected(tokens.access_token, `?resume_after=${seen}`);
    const replayed = await back.socket.next("notification");
    expect(replayed.payload).toEqual({ name: "while.away", data: "missed" });
    expect(replayed.seq).toBe(seen + 1);
    await publish(token, { user_id: tokens.user.id, name: "after.return", data: 2 });
    expect((await back.socket.next("notification")).payload.name).toBe("after.return");
    expect(notificationsOf(await settled(back.socket)).map((frame) => frame.payload.name)).toEqual(["while.away", "after.return"]);
  });

  it("keeps a notification for a session with no socket open, for its first connect", async () => {
    const { token } = await publisher();
    const tokens = await registerUser(exports.default);
    expect(await (await publish(token, { user_id: tokens.user.id, name: "welcome", data: {} })).json()).toMatchObject({ sessions: 1 });
    const { socket, lastSeq } = await connected(tokens.access_token, "?resume_after=0");
    expect(lastSeq).toBe(1);
    expect((await socket.next("notification")).payload).toEqual({ name: "welcome", data: {} });
  });

  it("never reaches another user's sessions", async () => {
    const { token } = await publisher();
    const target = await openSession(exports.default);
    const bystander = await openSession(exports.default);
    await publish(token, { user_id: target.userId, name: "private.thing", data: { secret: "for the target" } });
    await target.socket.next("notification");
    expect(notificationsOf(await settled(bystander.socket))).toEqual([]);
  });

  it("puts thread_id on the envelope when it is one of the user's threads, and refuses anyone else's", async () => {
    const { token } = await publisher();
    const { socket, tokens } = await openSession(exports.default);
    socket.send({ type: "create_thread", id: crypto.randomUUID(), payload: { name: "Orders" } });
    const thread = (await socket.next("thread_created")).payload.thread;
    await publish(token, { user_id: tokens.user.id, name: "order.shipped", data: null, thread_id: thread.id });
    expect((await socket.next("notification")).thread_id).toBe(thread.id);

    const other = await registerUser(exports.default);
    const refused = await publish(token, { user_id: other.user.id, name: "order.shipped", data: null, thread_id: thread.id });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: "validation_failed", message: "thread_id: not a thread of this user." } });
  });

  it("skips a session its object knows is revoked", async () => {
    const tokens = await registerUser(exports.default);
    const { sid } = decodeJwt(tokens.access_token) as { sid: string };
    const session = env.USER_SESSION.get(env.USER_SESSION.idFromName(sid));
    expect(await session.notify("before.revoke", 1, crypto.randomUUID())).toBe(1);
    await session.revoke("logout");
    expect(await session.notify("after.revoke", 1, crypto.randomUUID())).toBe(0);
  });
});

describe("notifications: SessionControl.publishEvent, for a Worker bound to the backend", () => {
  it("publishes with any service's token that holds events:publish", async () => {
    const { token } = await publisher();
    const { socket, userId } = await openSession(exports.default);
    const result = await exports.SessionControl.publishEvent(token, { user_id: userId, name: "rpc.event", data: { via: "rpc" } });
    expect(result).toEqual({ ok: true, value: { event_id: expect.any(String), sessions: 1 } });
    expect((await socket.next("notification")).payload).toEqual({ name: "rpc.event", data: { via: "rpc" } });
  });

  it("answers failures as values with the HTTP route's codes", async () => {
    const { token } = await publisher(["tokens:validate"]);
    const { token: allowed } = await publisher();
    const { socket, tokens, userId } = await openSession(exports.default);
    const event = { user_id: userId, name: "rpc.event", data: 1 };
    const failure = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });
    expect(await exports.SessionControl.publishEvent(token, event)).toEqual(failure("permission_denied"));
    expect(await exports.SessionControl.publishEvent(tokens.access_token, event)).toEqual(failure("permission_denied"));
    expect(await exports.SessionControl.publishEvent("not-a-token", event)).toEqual(failure("invalid_service"));
    expect(await exports.SessionControl.publishEvent(allowed, { ...event, name: "Bad Name" })).toEqual(failure("validation_failed"));
    expect(await exports.SessionControl.publishEvent(allowed, { ...event, data: new Map([["a", 1]]) })).toEqual(
      failure("validation_failed"),
    );
    expect(notificationsOf(await settled(socket))).toEqual([]);
  });
});

describe("the demo's Notify me service (POST /demo/notify)", () => {
  it("publishes demo.hello to every live session of the signed-in user", async () => {
    const first = await registerUser(exports.default);
    const second = await signInAgain(first);
    const a = await connected(first.access_token);
    const b = await connected(second.access_token);
    const response = await exports.default.fetch(`${ORIGIN}/demo/notify`, {
      method: "POST",
      headers: { Authorization: `Bearer ${first.access_token}` },
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ sessions: 2 });
    for (const { socket } of [a, b]) {
      expect((await socket.next("notification")).payload).toEqual({
        name: "demo.hello",
        data: { message: "Hello from the demo service.", sent_at: expect.any(String) },
      });
    }
  });

  it("needs the user's access token", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/demo/notify`, { method: "POST" });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "invalid_token", message: expect.any(String) } });
  });
});
