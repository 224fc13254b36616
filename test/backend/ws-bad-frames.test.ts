import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openSession, type TestSocket } from "../support/ws.js";
import { framesOfType } from "../support/frames.js";

const appDb = env.APP_DB;

const session = () => openSession(exports.default);

async function rowsOf(userId: string) {
  return appDb
    .prepare(
      `SELECT (SELECT COUNT(*) FROM messages WHERE user_id = ?1) AS messages,
              (SELECT COUNT(*) FROM threads WHERE user_id = ?1) AS threads,
              (SELECT COUNT(*) FROM agent_runs WHERE user_id = ?1) AS runs`,
    )
    .bind(userId)
    .first();
}

/** Proves the socket is still usable: a ping still gets its pong. */
async function stillOpen(socket: TestSocket) {
  const id = crypto.randomUUID();
  socket.send({ type: "ping", id, payload: {} });
  expect((await socket.next("pong")).reply_to).toBe(id);
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("bad frames get an error and the socket stays open, nothing stored", () => {
  it.each([
    ["non-JSON text", "hello?", "invalid_json"],
    ["a JSON array", "[1,2,3]", "invalid_frame"],
    ["an unknown type", JSON.stringify({ type: "launch_missiles", id: "x1", payload: {} }), "unknown_type"],
    ["a missing id", JSON.stringify({ type: "user_message", payload: { content: "hi" } }), "invalid_frame"],
    ["non-string content", JSON.stringify({ type: "user_message", id: "x2", payload: { content: 42 } }), "invalid_frame"],
    [
      "content over 16,000 characters",
      JSON.stringify({ type: "user_message", id: "x3", payload: { content: "a".repeat(16_001) } }),
      "invalid_frame",
    ],
    ["an unknown payload field", JSON.stringify({ type: "ping", id: "x4", payload: { extra: true } }), "invalid_frame"],
    // A ping is checked without the schema (workers/shared/client-frames.ts); these must still be refused as the schema would.
    ["a ping with an unknown envelope field", JSON.stringify({ type: "ping", id: "x6", payload: {}, extra: 1 }), "invalid_frame"],
    ["a ping whose payload is an array", JSON.stringify({ type: "ping", id: "x7", payload: [] }), "invalid_frame"],
    ["a ping with an empty id", JSON.stringify({ type: "ping", id: "", payload: {} }), "invalid_frame"],
    ["a ping with an id over 128 characters", JSON.stringify({ type: "ping", id: "i".repeat(129), payload: {} }), "invalid_frame"],
    ["a ping without a payload", JSON.stringify({ type: "ping", id: "x8" }), "invalid_frame"],
    ["a ping whose payload holds __proto__", '{"type":"ping","id":"x9","payload":{"__proto__":{}}}', "invalid_frame"],
    ["deeply nested JSON", `{"type":"user_message","id":"x5","payload":{"content":${nested(5000)}}}`, "invalid_frame"],
  ])("%s", async (_label, frame, code) => {
    const { socket, userId } = await session();
    socket.send(frame);
    const error = await socket.next("error");
    expect(error.payload).toMatchObject({ code, message: expect.any(String), retryable: false });
    expect(error.seq).toBeUndefined();
    await stillOpen(socket);
    expect(await rowsOf(userId)).toEqual({ messages: 0, threads: 0, runs: 0 });
    socket.close();
  });

  it("names the frame it refuses with reply_to when the id could be read", async () => {
    const { socket } = await session();
    socket.send({ type: "user_message", id: "bad-1", payload: { content: "" } });
    expect((await socket.next("error")).reply_to).toBe("bad-1");
    socket.close();
  });

  it("refuses binary frames", async () => {
    const { socket } = await session();
    socket.socket.send(new Uint8Array([1, 2, 3]).buffer);
    expect((await socket.next("error")).payload.code).toBe("binary_not_supported");
    await stillOpen(socket);
    socket.close();
  });

  it("refuses a thread_id of another user and writes nothing", async () => {
    const owner = await session();
    owner.socket.send({ type: "create_thread", id: "own", payload: { name: "Mine" } });
    const threadId = (await owner.socket.next("thread_created")).thread_id as string;
    const intruder = await session();
    intruder.socket.send({ type: "user_message", id: "steal", payload: { content: "what is 1+1", thread_id: threadId } });
    expect((await intruder.socket.next("error")).payload).toMatchObject({ code: "thread_not_found", retryable: false });
    intruder.socket.send({ type: "get_thread_history", id: "peek", payload: { thread_id: threadId } });
    expect((await intruder.socket.next("error")).payload.code).toBe("thread_not_found");
    expect(await rowsOf(intruder.userId)).toEqual({ messages: 0, threads: 0, runs: 0 });
    expect(await appDb.prepare("SELECT COUNT(*) AS n FROM messages WHERE thread_id = ?").bind(threadId).first("n")).toBe(0);
    owner.socket.close();
    intruder.socket.close();
  });
});

describe("limits", () => {
  it("closes with 1009 on a frame over 64 KiB", async () => {
    const { socket, userId } = await session();
    socket.send(JSON.stringify({ type: "user_message", id: "big", payload: { content: "a".repeat(70_000) } }));
    expect((await socket.closed()).code).toBe(1009);
    expect(await rowsOf(userId)).toEqual({ messages: 0, threads: 0, runs: 0 });
  });

  it("counts bytes, not characters: a frame under 64 Ki characters but over 64 KiB of UTF-8 closes with 1009", async () => {
    const { socket, userId } = await session();
    // 22,000 euro signs: 22,000 characters, 66,000 bytes.
    socket.send(JSON.stringify({ type: "user_message", id: "wide", payload: { content: "€".repeat(22_000) } }));
    expect((await socket.closed()).code).toBe(1009);
    expect(await rowsOf(userId)).toEqual({ messages: 0, threads: 0, runs: 0 });
  });

  it("answers a flood with rate_limited errors, then closes with 4008", async () => {
    const { socket } = await session();
    for (let index = 0; index < 300; index += 1) socket.send({ type: "ping", id: `f${index}`, payload: {} });
    const closed = await socket.closed();
    expect(closed.code).toBe(4008);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "rate_limited" });
    const limited = framesOfType(socket.frames, "error").filter((frame) => frame.payload.code === "rate_limited");
    expect(limited.length).toBeGreaterThan(0);
    expect(socket.frames.filter((frame) => frame.type === "pong")).toHaveLength(120);
  });
});
