import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { EventLog } from "../../durable-objects/event-log.js";
import type { SocketAttachment } from "../../durable-objects/socket-state.js";
import { registerUser, type TokenResponse } from "../support/http.js";
import { openSocket } from "../support/ws.js";
import { framesOfType } from "../support/frames.js";

const appDb = env.APP_DB;

function sessionStub(tokens: TokenResponse) {
  const { sid } = decodeJwt(tokens.access_token) as { sid: string };
  return env.USER_SESSION.get(env.USER_SESSION.idFromName(sid));
}

/** Sends one user_message on a fresh socket and returns the frames up to the one that ends it. */
async function runOnce(tokens: TokenResponse, id: string, endsWith: string[] = ["agent_completed", "error"], content = "what is 5+5") {
  const socket = await openSocket(exports.default, { token: tokens.access_token });
  await socket.next("connection_established");
  socket.send({ type: "user_message", id, payload: { content } });
  const frames = await socket.until((all) => all.some((frame) => frame.reply_to === id && endsWith.includes(frame.type)));
  socket.close();
  return frames;
}

describe("one atomic D1 batch per message", () => {
  it("leaves no partial rows when the batch fails mid-way, and a retry with the same id runs once", async () => {
    const tokens = await registerUser(exports.default);
    const userId = tokens.user.id;
    const trigger = `fail_runs_${crypto.randomUUID().replaceAll("-", "")}`;
    await appDb
      .prepare(
        `CREATE TRIGGER ${trigger} BEFORE INSERT ON agent_runs WHEN NEW.user_id = '${userId}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
      )
      .run();
    const failed = await runOnce(tokens, "retry-me");
    expect(failed.find((frame) => frame.type === "error")).toMatchObject({
      reply_to: "retry-me",
      payload: { code: "storage_failed", retryable: true },
    });
    const rows = () =>
      appDb
        .prepare(
          `SELECT (SELECT COUNT(*) FROM messages WHERE user_id = ?1) AS messages, (SELECT COUNT(*) FROM threads WHERE user_id = ?1) AS threads,
                  (SELECT COUNT(*) FROM agent_runs WHERE user_id = ?1) AS runs, (SELECT COUNT(*) FROM users WHERE id = ?1) AS users`,
        )
        .bind(userId)
        .first();
    expect(await rows()).toEqual({ messages: 0, threads: 0, runs: 0, users: 0 });

    await appDb.prepare(`DROP TRIGGER ${trigger}`).run();
    const retried = await runOnce(tokens, "retry-me");
    expect(framesOfType(retried, "ack")[0]?.payload.duplicate).toBe(false);
    expect(framesOfType(retried, "agent_completed")[0]?.payload.result).toBe("5+5 = 10");
    const again = await runOnce(tokens, "retry-me", ["ack"]);
    expect(framesOfType(again, "ack")[0]?.payload.duplicate).toBe(true);
    expect(await rows()).toEqual({ messages: 2, threads: 1, runs: 1, users: 1 });
  });
});

describe("resume", () => {
  it("replays every event after resume_after, in order and once, before new ones", async () => {
    const tokens = await registerUser(exports.default);
    const frames = await runOnce(tokens, "first");
    const last = Math.max(...frames.map((frame) => frame.seq ?? 0));
    const socket = await openSocket(exports.default, { token: tokens.access_token, query: `?resume_after=${last - 3}` });
    const hello = await socket.next("connection_established");
    expect(hello.payload).toMatchObject({ resumed_from: last - 3, last_seq: last });
    await socket.until((all) => all.length >= 4);
    expect(socket.frames.slice(1, 4).map((frame) => frame.seq)).toEqual([last - 2, last - 1, last]);
    socket.send({ type: "user_message", id: "second", payload: { content: "what is 1+2" } });
    await socket.next("agent_completed");
    const seqs = socket.frames.slice(1).map((frame) => frame.seq);
    expect(seqs).toEqual(seqs.map((_, index) => last - 2 + index));
    socket.close();
  });

  it("says resumed_from null when the log cannot reach back, and replays nothing when up to date", async () => {
    const tokens = await registerUser(exports.default);
    const frames = await runOnce(tokens, "only");
    const last = Math.max(...frames.map((frame) => frame.seq ?? 0));
    for (const [after, expected] of [
      [last, last],
      [last + 10, null],
    ] as const) {
      const socket = await openSocket(exports.default, { token: tokens.access_token, query: `?resume_after=${after}` });
      expect((await socket.next("connection_established")).payload.resumed_from).toBe(expected);
      socket.send({ type: "ping", id: "p", payload: {} });
      await socket.next("pong");
      expect(socket.frames.map((frame) => frame.type)).toEqual(["connection_established", "pong"]);
      socket.close();
    }
  });

  it("keeps the log bounded by count and age", async () => {
    const stub = env.USER_SESSION.get(env.USER_SESSION.idFromName(`log-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      const log = new EventLog(state.storage, { maxEvents: 5, maxAgeMs: 3_600_000 });
      const nowMs = Date.now();
      for (let index = 1; index <= 12; index += 1) log.append((seq) => JSON.stringify({ seq }), nowMs);
      expect(log.lastSeq()).toBe(12);
      expect(log.replayAfter(2, nowMs).resumedFrom).toBeNull();
      expect(log.replayAfter(8, nowMs).frames.map((frame) => JSON.parse(frame).seq)).toEqual([9, 10, 11, 12]);
      log.append((seq) => JSON.stringify({ seq }), nowMs + 3_600_001);
      expect(log.replayAfter(12, nowMs + 3_600_001).frames).toEqual([JSON.stringify({ seq: 13 })]);
      expect(log.replayAfter(11, nowMs + 3_600_001).resumedFrom).toBeNull();
    });
  });
});

describe("state that survives hibernation", () => {
  it("keeps the claims in the socket attachment and the events in SQLite storage", async () => {
    const tokens = await registerUser(exports.default);
    const socket = await openSocket(exports.default, { token: tokens.access_token });
    await socket.next("connection_established");
    socket.send({ type: "user_message", id: "before", payload: { content: "what is 2*3" } });
    const completed = await socket.next("agent_completed");
    await evictDurableObject(sessionStub(tokens));

    const stored = await runInDurableObject(sessionStub(tokens), (_instance, state) => ({
      attachment: state.getWebSockets()[0]?.deserializeAttachment() as SocketAttachment,
      events: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n,
      lastSeq: state.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'last_seq'").one().value,
    }));
    expect(stored.attachment).toMatchObject({
      userId: tokens.user.id,
      email: tokens.user.email,
      sessionId: decodeJwt(tokens.access_token).sid,
    });
    expect(stored.lastSeq).toBe(completed.seq);
    expect(stored.events).toBe(completed.seq);

    socket.send({ type: "user_message", id: "after", payload: { content: "what is 7*6" } });
    expect((await socket.next("agent_completed")).payload.result).toBe("7*6 = 42");
    socket.close();
  });
});
