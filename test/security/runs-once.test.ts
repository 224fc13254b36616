import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { postJson, postWithBearer, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";
import { openSession, openSocket, type TestSocket } from "../support/ws.js";

/**
 * docs/protocol.md "A message runs once" and "Revocation stops work", through real sockets and the
 * paced demo agent (30 ms a step here, so runs are still queued and going while a test acts): a
 * queued message runs once whatever opens beside it; a resend from another session of the user
 * only gets its ack; a revoked session's runs stop and its queue is dropped; a session runs at
 * most WS_MAX_CONCURRENT_RUNS (4) at once.
 */
const sessionStub = (tokens: TokenResponse) =>
  env.USER_SESSION.get(env.USER_SESSION.idFromName((decodeJwt(tokens.access_token) as { sid: string }).sid));

const ofType = (socket: TestSocket, type: string, replyTo: string) =>
  socket.frames.filter((frame) => frame.type === type && frame.reply_to === replyTo);

async function runRows(userId: string): Promise<{ status: string; error: string | null }[]> {
  const rows = await env.APP_DB.prepare("SELECT status, error FROM agent_runs WHERE user_id = ? ORDER BY started_at, rowid")
    .bind(userId)
    .all<{ status: string; error: string | null }>();
  return rows.results;
}

async function assistantReplies(userId: string): Promise<number> {
  const row = await env.APP_DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE user_id = ? AND role = 'assistant'")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Sends `count` messages to one thread (the first makes it); resolves once all are acknowledged. */
async function queueInOneThread(socket: TestSocket, label: string, count: number): Promise<{ ids: string[]; threadId: string }> {
  const ids = Array.from({ length: count }, (_, index) => `${label}-${index}-${crypto.randomUUID()}`);
  const [first, ...rest] = ids;
  if (!first) throw new Error("no message");
  socket.send({ type: "user_message", id: first, payload: { content: "what is 12 * (3 + 4)?" } });
  const threadId = (await socket.next("ack")).thread_id ?? "";
  rest.forEach((id, index) => socket.send({ type: "user_message", id, payload: { content: `what is ${index} + 1`, thread_id: threadId } }));
  await socket.until((frames) => ids.every((id) => frames.some((frame) => frame.type === "ack" && frame.reply_to === id)));
  return { ids, threadId };
}

describe("a queued message runs once", () => {
  it("five messages queued in one thread and a second tab opened while the first runs: five runs, five replies", async () => {
    const { socket, tokens, userId } = await openSession(exports.default);
    const { ids, threadId } = await queueInOneThread(socket, "queued", 5);
    // A second tab, and the alarm its connect schedules, while the queue is still full.
    const second = await openSocket(exports.default, { token: tokens.access_token });
    await second.next("connection_established");
    await runDurableObjectAlarm(sessionStub(tokens));
    // Sent last to the same thread: it runs after anything queued before it, a second run included.
    socket.send({ type: "user_message", id: "after-all", payload: { content: "what is 9 + 9", thread_id: threadId } });
    await socket.until((frames) => frames.some((frame) => frame.type === "agent_completed" && frame.reply_to === "after-all"));

    for (const id of ids) {
      expect(ofType(socket, "agent_started", id), id).toHaveLength(1);
      expect(ofType(socket, "agent_completed", id), id).toHaveLength(1);
    }
    expect(await assistantReplies(userId)).toBe(6);
    expect((await runRows(userId)).map((row) => row.status)).toEqual(Array(6).fill("completed"));
    socket.close();
    second.close();
  });

  it("a resend of a running message from the user's other session gets ack duplicate and runs nothing", async () => {
    const tokens = await registerUser(exports.default);
    const first = await openSocket(exports.default, { token: tokens.access_token });
    await first.next("connection_established");
    const signedInAgain = await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD });
    expect(signedInAgain.status).toBe(200);
    const otherSession = (await signedInAgain.json()) as TokenResponse;
    const second = await openSocket(exports.default, { token: otherSession.access_token });
    await second.next("connection_established");

    const frame = { type: "user_message", id: "sent-twice", payload: { content: "what is 12 * (3 + 4)?" } };
    first.send(frame);
    await first.next("agent_started");
    second.send(frame);
    const duplicate = await second.next("ack");
    expect(duplicate.payload.duplicate).toBe(true);
    await first.until((frames) => frames.some((each) => each.type === "agent_completed" && each.reply_to === "sent-twice"));
    // The second session goes on; its own next message runs, and nothing of the resend did.
    second.send({ type: "user_message", id: "own-message", payload: { content: "what is 2 + 2" } });
    await second.until((frames) => frames.some((each) => each.type === "agent_completed" && each.reply_to === "own-message"));
    expect(ofType(second, "agent_started", "sent-twice")).toEqual([]);
    expect(await runRows(tokens.user.id)).toHaveLength(2);
    expect(await assistantReplies(tokens.user.id)).toBe(2);
    first.close();
    second.close();
  });
});

describe("revocation stops work", () => {
  it("a logout with a run going and three queued: the run is cancelled, the queue dropped, every row cancelled", async () => {
    const { socket, tokens, userId } = await openSession(exports.default);
    const { ids } = await queueInOneThread(socket, "revoked", 4);
    await socket.next("agent_started");
    expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
    expect((await socket.closed()).code).toBe(4003);

    await expect.poll(() => runRows(userId)).toEqual(Array(4).fill({ status: "cancelled", error: "session_revoked" }));
    // Nothing started after the revocation: only the first run ever began.
    const started = ids.filter((id) => socket.frames.some((frame) => frame.type === "agent_started" && frame.reply_to === id));
    expect(started).toEqual(ids.slice(0, 1));
    // An alarm later (a reset, a retry) starts none of them either.
    await runDurableObjectAlarm(sessionStub(tokens));
    expect(await runRows(userId)).toEqual(Array(4).fill({ status: "cancelled", error: "session_revoked" }));
  });
});

describe("runs of one session at once", () => {
  it("go at most four together (WS_MAX_CONCURRENT_RUNS); the fifth and sixth wait, then run", async () => {
    const { socket, userId } = await openSession(exports.default);
    const ids = Array.from({ length: 6 }, (_, index) => `parallel-${index}`);
    // Each in a thread of its own: only the session's cap keeps them apart.
    for (const id of ids) socket.send({ type: "user_message", id, payload: { content: "what is 12 * (3 + 4)?" } });
    await socket.until((frames) => ids.every((id) => frames.some((frame) => frame.type === "agent_completed" && frame.reply_to === id)));

    let going = 0;
    let most = 0;
    for (const frame of socket.frames) {
      if (frame.type === "agent_started") most = Math.max(most, (going += 1));
      if (frame.type === "agent_completed") going -= 1;
    }
    expect(most).toBe(4);
    expect((await runRows(userId)).map((row) => row.status)).toEqual(Array(6).fill("completed"));
    socket.close();
  });
});
