import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { forgeToken } from "../support/forge.js";
import { errorOf, ORIGIN, postWithBearer, registerUser } from "../support/http.js";
import { openSocket } from "../support/ws.js";

async function expectRefusal(options: Parameters<typeof openSocket>[1], code: number, reason: string) {
  const before = (await listDurableObjectIds(env.USER_SESSION)).length;
  const socket = await openSocket(exports.default, options);
  const closed = await socket.closed();
  expect(closed.code).toBe(code);
  expect(JSON.parse(closed.reason)).toMatchObject({ code: reason, message: expect.any(String) });
  expect(socket.frames).toEqual([]);
  expect((await listDurableObjectIds(env.USER_SESSION)).length).toBe(before);
}

describe("GET /ws refusals a browser can read", () => {
  it("answers a plain GET with 426 and the JSON error shape", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/ws`);
    expect(response.status).toBe(426);
    expect((await errorOf(response)).code).toBe("upgrade_required");
  });

  it("accepts and closes with 4401 when there is no token, touching no object", async () => {
    await expectRefusal({}, 4401, "unauthorized");
  });

  it("closes with 4401 for a garbage token and for a refresh token", async () => {
    const user = await registerUser(exports.default);
    await expectRefusal({ token: "garbage" }, 4401, "unauthorized");
    await expectRefusal({ token: user.refresh_token }, 4401, "unauthorized");
  });

  it("never reads a token from the query string", async () => {
    const user = await registerUser(exports.default);
    await expectRefusal({ query: `?access_token=${user.access_token}` }, 4401, "unauthorized");
    await expectRefusal({ query: `?token=${user.access_token}` }, 4401, "unauthorized");
  });

  it("closes with 4001 for an expired token", async () => {
    const user = await registerUser(exports.default);
    const expired = await forgeToken(env.AUTH_DB, user.access_token, { exp: Math.floor(Date.now() / 1000) - 5 });
    await expectRefusal({ token: expired }, 4001, "token_expired");
  });

  it("closes with 4003 for a token of a logged-out session", async () => {
    const user = await registerUser(exports.default);
    expect((await postWithBearer(exports.default, "/auth/logout", user.access_token)).status).toBe(204);
    // The logout's session sync reaches the session's object after the 204 (and makes it): counted
    // before the refusal, so the count shows the refusal itself touched no object.
    const { sid } = decodeJwt(user.access_token) as { sid: string };
    const pushed = env.USER_SESSION.idFromName(sid).toString();
    await expect.poll(async () => (await listDurableObjectIds(env.USER_SESSION)).map((id) => id.toString())).toContain(pushed);
    await expectRefusal({ token: user.access_token }, 4003, "session_revoked");
  });

  it("closes with 4003 after a logout through this backend even though this isolate had the token cached as valid", async () => {
    const user = await registerUser(exports.default);
    const open = await openSocket(exports.default, { token: user.access_token });
    await open.next("connection_established");
    expect((await postWithBearer(exports.default, "/auth/logout", user.access_token)).status).toBe(204);
    expect((await open.closed()).code).toBe(4003);
    await expectRefusal({ token: user.access_token }, 4003, "session_revoked");
  });
});

describe("GET /ws with a good token", () => {
  it("answers tether.v1 and greets with connection_established", async () => {
    const user = await registerUser(exports.default);
    const socket = await openSocket(exports.default, { token: user.access_token });
    expect(socket.protocol).toBe("tether.v1");
    const hello = await socket.next("connection_established");
    const { sid, exp } = decodeJwt(user.access_token) as { sid: string; exp: number };
    expect(hello.payload).toMatchObject({
      user_id: user.user.id,
      session_id: sid,
      token_expires_at: new Date(exp * 1000).toISOString(),
      resumed_from: null,
      server_time: expect.any(String),
    });
    expect(hello.seq).toBeUndefined();
    socket.close();
  });

  it("takes the token from the Authorization header too", async () => {
    const user = await registerUser(exports.default);
    const socket = await openSocket(exports.default, { token: user.access_token, via: "header" });
    await socket.next("connection_established");
    socket.close();
  });

  it("holds several tabs of one session, each receiving the session's events with the same seq", async () => {
    const user = await registerUser(exports.default);
    const [first, second] = [
      await openSocket(exports.default, { token: user.access_token }),
      await openSocket(exports.default, { token: user.access_token }),
    ];
    await first.next("connection_established");
    await second.next("connection_established");
    first.send({ type: "user_message", id: "tabs-1", payload: { content: "what is 1+1" } });
    const onFirst = await first.next("agent_completed");
    const onSecond = await second.next("agent_completed");
    expect(onSecond.seq).toBe(onFirst.seq);
    expect(onSecond.event_id).toBe(onFirst.event_id);
    first.close();
    second.close();
  });
});
