import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "@tether/protocol";
import { expectCompleteRun as expectRunComplete } from "../support/frames.js";
import { openSession, type TestSocket } from "../support/ws.js";

const appDb = env.APP_DB;

const session = () => openSession(exports.default);

/** Sends a user_message and returns every frame of its run, ack to agent_completed. */
async function run(socket: TestSocket, content: string, extra: Record<string, string> = {}): Promise<ServerFrame[]> {
  const id = crypto.randomUUID();
  const start = socket.frames.length;
  socket.send({ type: "user_message", id, payload: { content, ...extra } });
  await socket.until((frames) =>
    frames.some((frame, index) => index >= start && frame.type === "agent_completed" && frame.reply_to === id),
  );
  return socket.frames.slice(start).filter((frame) => frame.reply_to === id);
}

/** The completeness rule (support/frames.ts), and one run alone on a session numbers its events contiguously. */
function expectCompleteRun(frames: ServerFrame[]) {
  expectRunComplete(frames);
  const seqs = frames.map((frame) => frame.seq);
  expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] as number) + index));
}

describe("a user_message's event stream", () => {
  it("calculator: complete, contiguous, with the docs/protocol.md payload fields", async () => {
    const { socket } = await session();
    const frames = await run(socket, "what is 12 * (3 + 4)?");
    expectCompleteRun(frames);
    const byType = (type: string) => frames.find((frame) => frame.type === type)?.payload;
    expect(byType("ack")).toMatchObject({ message_id: expect.any(String), thread_id: frames[0]?.thread_id, duplicate: false });
    expect(byType("agent_started")).toMatchObject({ run_id: expect.any(String), agent_name: "demo", timestamp: expect.any(String) });
    expect(byType("agent_thinking")).toMatchObject({ thought: expect.any(String), step_number: 1, total_steps: 3 });
    expect(byType("tool_executing")).toMatchObject({
      tool_name: "calculator",
      input: { expression: "12 * (3 + 4)" },
      timestamp: expect.any(String),
    });
    expect(byType("tool_completed")).toMatchObject({ tool_name: "calculator", output: { value: 84 }, duration_ms: expect.any(Number) });
    expect(byType("final_report")).toMatchObject({ report: { tool: "calculator", value: 84 }, total_duration_ms: expect.any(Number) });
    expect(byType("agent_completed")).toMatchObject({ result: "12 * (3 + 4) = 84", duration_ms: expect.any(Number), agent_name: "demo" });
    socket.close();
  });

  it("word_count: counts the words, and the run is stored as two messages and a completed run", async () => {
    const { socket, userId } = await session();
    const frames = await run(socket, "hello there brave world");
    expectCompleteRun(frames);
    expect(frames.find((frame) => frame.type === "tool_completed")?.payload).toMatchObject({
      tool_name: "word_count",
      output: { words: 4 },
    });
    const threadId = frames[0]?.thread_id;
    const messages = await appDb
      .prepare("SELECT role, content FROM messages WHERE thread_id = ? ORDER BY created_at, rowid")
      .bind(threadId)
      .all();
    expect(messages.results).toEqual([
      { role: "user", content: "hello there brave world" },
      { role: "assistant", content: "Your message has 4 words and 23 characters." },
    ]);
    const runs = await appDb.prepare("SELECT status, result FROM agent_runs WHERE user_id = ?").bind(userId).all();
    expect(runs.results).toEqual([{ status: "completed", result: "Your message has 4 words and 23 characters." }]);
    socket.close();
  });

  it("answers a resent client id with ack duplicate:true and no second run", async () => {
    const { socket, userId } = await session();
    const first = await run(socket, "what is 2+2");
    const clientId = first[0]?.reply_to as string;
    socket.send({ type: "user_message", id: clientId, payload: { content: "what is 2+2" } });
    const ack = await socket.until((frames) => frames.filter((frame) => frame.type === "ack").length === 2);
    const duplicate = ack.filter((frame) => frame.type === "ack")[1];
    expect(duplicate?.payload).toEqual({ ...first[0]?.payload, duplicate: true });
    socket.send({ type: "ping", id: "after", payload: {} });
    await socket.next("pong");
    expect(socket.frames.filter((frame) => frame.type === "agent_started")).toHaveLength(1);
    const counts = await appDb
      .prepare(
        "SELECT (SELECT COUNT(*) FROM agent_runs WHERE user_id = ?1) AS runs, (SELECT COUNT(*) FROM messages WHERE user_id = ?1 AND role = 'user') AS messages",
      )
      .bind(userId)
      .first();
    expect(counts).toEqual({ runs: 1, messages: 1 });
    socket.close();
  });

  it("serializes runs of one thread: the second starts after the first completes", async () => {
    const { socket } = await session();
    socket.send({ type: "create_thread", id: "t", payload: { name: "Serial" } });
    const threadId = (await socket.next("thread_created")).thread_id as string;
    socket.send({ type: "user_message", id: "one", payload: { content: "what is 1+1", thread_id: threadId } });
    socket.send({ type: "user_message", id: "two", payload: { content: "what is 2+2", thread_id: threadId } });
    const frames = await socket.until((all) => all.filter((frame) => frame.type === "agent_completed").length === 2);
    const index = (type: string, replyTo: string) => frames.findIndex((frame) => frame.type === type && frame.reply_to === replyTo);
    expect(index("agent_started", "two")).toBeGreaterThan(index("agent_completed", "one"));
    expect(frames.filter((frame) => frame.type === "ack").every((frame) => frame.thread_id === threadId)).toBe(true);
    socket.close();
  });
});

describe("thread frames", () => {
  it("create_thread, list_threads, get_thread_history and ping answer as the table says", async () => {
    const { socket } = await session();
    socket.send({ type: "create_thread", id: "c1", payload: { name: "Research" } });
    const created = await socket.next("thread_created");
    const thread = created.payload.thread as { id: string; name: string };
    expect(created.payload.thread).toMatchObject({ name: "Research", created_at: expect.any(String), updated_at: expect.any(String) });
    expect(created.seq).toEqual(expect.any(Number));

    await run(socket, "what is 3*3", { thread_id: thread.id });
    socket.send({ type: "list_threads", id: "l1", payload: {} });
    const list = await socket.next("threads_list");
    expect((list.payload.threads as Array<{ id: string }>).map((item) => item.id)).toContain(thread.id);
    expect(list.seq).toBeUndefined();

    socket.send({ type: "get_thread_history", id: "h1", payload: { thread_id: thread.id, limit: 10 } });
    const history = await socket.next("thread_history");
    expect(
      (history.payload.messages as Array<{ role: string; content: string }>).map((message) => [message.role, message.content]),
    ).toEqual([
      ["user", "what is 3*3"],
      ["assistant", "3*3 = 9"],
    ]);

    socket.send({ type: "ping", id: "p1", payload: {} });
    const pong = await socket.next("pong");
    // The lighter pong: `{type, reply_to, payload: {server_time}}` and nothing more — no seq, event_id or timestamp.
    expect(pong).toEqual({ type: "pong", reply_to: "p1", payload: { server_time: expect.any(String) } });
    expect(Date.parse(pong.payload.server_time)).not.toBeNaN();
    socket.close();
  });
});
