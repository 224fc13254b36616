import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registerUser } from "../support/http.js";
import { openSocket, type TestSocket } from "../support/ws.js";

/**
 * docs/protocol.md, Abuse limits: budgets per session, not only per socket — at most 16 sockets, and at
 * most 20 messages per 10 s across all of them (the defaults in this project).
 */
describe("a session's budget", () => {
  it("closes the 17th socket of a session with 4008 too_many_sockets, and takes a new one once one is gone", async () => {
    const { access_token } = await registerUser(exports.default);
    const sockets: TestSocket[] = [];
    for (let index = 0; index < 16; index += 1) {
      const socket = await openSocket(exports.default, { token: access_token });
      await socket.next("connection_established");
      sockets.push(socket);
    }
    const refused = await openSocket(exports.default, { token: access_token });
    const closed = await refused.closed();
    expect(closed.code).toBe(4008);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "too_many_sockets" });
    expect(refused.frames).toEqual([]);

    const leaving = sockets.pop();
    leaving?.close();
    // The server has answered the close: the session now holds 15.
    await leaving?.closed();
    const again = await openSocket(exports.default, { token: access_token });
    await again.until((frames) => frames.some((frame) => frame.type === "connection_established"));
    for (const socket of [...sockets, again]) socket.close();
  });

  it("refuses the 21st message in the window across the session's sockets: error rate_limited, retryable, not stored", async () => {
    const { access_token, user } = await registerUser(exports.default);
    const sockets: TestSocket[] = [];
    for (let index = 0; index < 3; index += 1) {
      const socket = await openSocket(exports.default, { token: access_token });
      await socket.next("connection_established");
      sockets.push(socket);
    }
    const ids: string[] = [];
    for (let index = 0; index < 21; index += 1) {
      const id = `budget-${index}-${crypto.randomUUID()}`;
      ids.push(id);
      sockets[index % 3]?.send({ type: "user_message", id, payload: { content: `message ${index}` } });
    }
    const [first] = sockets;
    if (!first) throw new Error("no socket");
    // Every message is answered: an ack (shared stream) or, for the refused one, an error to its socket.
    const answered = (id: string) =>
      sockets.some((socket) => socket.frames.some((frame) => frame.reply_to === id && (frame.type === "ack" || frame.type === "error")));
    await first.until(() => ids.every(answered));
    const refusals = sockets.flatMap((socket) =>
      socket.frames.filter((frame) => frame.type === "error" && frame.payload.code === "rate_limited"),
    );
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.payload).toMatchObject({ code: "rate_limited", retryable: true });
    const stored = await env.APP_DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE user_id = ? AND role = 'user'")
      .bind(user.id)
      .first<{ n: number }>();
    expect(stored?.n).toBe(20);
    for (const socket of sockets) socket.close();
  });
});

/** docs/protocol.md "Budgets are per session and survive reconnects": the windows live in the object's storage. */
describe("a session's budget across sockets and reconnects", () => {
  it("counts frames of every socket of the session, and a reconnect does not start a new window", async () => {
    const { access_token } = await registerUser(exports.default);
    const first = await openSocket(exports.default, { token: access_token });
    await first.next("connection_established");
    for (let index = 0; index < 100; index += 1) first.send({ type: "ping", id: `a${index}`, payload: {} });
    await first.until((frames) => frames.filter((frame) => frame.type === "pong").length === 100);
    first.close();
    await first.closed();

    const second = await openSocket(exports.default, { token: access_token });
    await second.next("connection_established");
    for (let index = 0; index < 30; index += 1) second.send({ type: "ping", id: `b${index}`, payload: {} });
    const answered = await second.until(
      (frames) => frames.filter((frame) => frame.type === "pong" || frame.type === "error").length === 30,
    );
    // 120 frames per window (WS_MAX_FRAMES_PER_WINDOW): 20 more pongs, then the budget is spent.
    expect(answered.filter((frame) => frame.type === "pong")).toHaveLength(20);
    expect(answered.filter((frame) => frame.type === "error").map((frame) => frame.payload)).toEqual(
      Array(10).fill(expect.objectContaining({ code: "rate_limited", retryable: true })),
    );
    second.close();
  });

  it("takes six auth_refresh frames a minute; the seventh is rate_limited without a call to auth, on any socket", async () => {
    const { access_token } = await registerUser(exports.default);
    const refresh = (socket: TestSocket, id: string) => socket.send({ type: "auth_refresh", id, payload: { token: access_token } });
    const first = await openSocket(exports.default, { token: access_token });
    await first.next("connection_established");
    for (let index = 0; index < 4; index += 1) {
      refresh(first, `r${index}`);
      await first.next("auth_refreshed");
    }
    first.close();
    await first.closed();

    const second = await openSocket(exports.default, { token: access_token });
    await second.next("connection_established");
    for (const id of ["r4", "r5"]) {
      refresh(second, id);
      await second.next("auth_refreshed");
    }
    refresh(second, "r6");
    expect((await second.next("error")).payload).toMatchObject({ code: "rate_limited", retryable: true });
    // Still open and served: only refreshes are spent.
    second.send({ type: "ping", id: "still-open", payload: {} });
    expect((await second.next("pong")).reply_to).toBe("still-open");
    second.close();
  });
});
