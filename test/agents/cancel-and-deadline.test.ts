import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { framesOfType } from "../support/frames.js";
import { openSession, type TestSocket } from "../support/ws.js";
import { rowsOf, runOf } from "./runs.js";

/** Starts a `[waits]` run (it holds a tool call open until cancelled) and returns its ids. */
async function startWaitingRun(socket: TestSocket): Promise<{ messageId: string; runId: string }> {
  const messageId = crypto.randomUUID();
  socket.send({ type: "user_message", id: messageId, payload: { content: "[waits] take your time" } });
  const started = await socket.next("agent_started");
  await socket.next("tool_executing");
  return { messageId, runId: started.payload.run_id };
}

/** A ping's pong has come back: every frame sent before it has arrived. */
async function roundTrip(socket: TestSocket): Promise<void> {
  socket.send({ type: "ping", id: crypto.randomUUID(), payload: {} });
  await socket.next("pong");
}

describe("cancel_run", () => {
  it("ends the run at once: the open tool call closed, agent_completed cancelled, nothing of it after, the row cancelled", async () => {
    const { socket, userId } = await openSession(exports.default);
    const { messageId, runId } = await startWaitingRun(socket);
    socket.send({ type: "cancel_run", id: crypto.randomUUID(), payload: { run_id: runId } });
    const completed = await socket.next("agent_completed");
    expect(completed.reply_to).toBe(messageId);
    expect(completed.payload).toMatchObject({ run_id: runId, status: "cancelled", reason: "cancel_run", result: "" });
    await roundTrip(socket);
    const run = socket.frames.filter((frame) => frame.reply_to === messageId);
    expect(run.map((frame) => frame.type)).toEqual([
      "ack",
      "agent_started",
      "agent_thinking",
      "tool_executing",
      "tool_completed",
      "agent_completed",
    ]);
    expect(framesOfType(run, "tool_completed")[0]?.payload).toMatchObject({ call_id: "slow-call", error: "cancelled" });
    expect(JSON.stringify(run)).not.toContain("never sent");
    expect((await rowsOf(userId)).runs).toEqual([{ status: "cancelled", result: "", error: "cancel_run" }]);
    socket.close();
  });

  it("answers run_not_found for a finished run, an unknown one and another session's, and changes nothing", async () => {
    const { socket } = await openSession(exports.default);
    const finished = await runOf(socket, "[demo] what is 2+2");
    const finishedRunId = framesOfType(finished, "agent_started")[0]?.payload.run_id ?? "";
    const other = await openSession(exports.default);
    const { runId: othersRun } = await startWaitingRun(other.socket);
    for (const runId of [finishedRunId, crypto.randomUUID(), othersRun]) {
      const id = crypto.randomUUID();
      socket.send({ type: "cancel_run", id, payload: { run_id: runId } });
      const refusal = await socket.next("error");
      expect(refusal.reply_to).toBe(id);
      expect(refusal.payload).toEqual({
        code: "run_not_found",
        message: "No run of this session by that id is running.",
        retryable: false,
      });
      expect(refusal.seq).toBeUndefined();
    }
    // The other session's run was untouched: its own cancel ends it.
    await roundTrip(other.socket);
    expect(framesOfType(other.socket.frames, "agent_completed")).toEqual([]);
    other.socket.send({ type: "cancel_run", id: crypto.randomUUID(), payload: { run_id: othersRun } });
    expect((await other.socket.next("agent_completed")).payload.status).toBe("cancelled");
    socket.close();
    other.socket.close();
  });

  it("refuses a frame that is not {run_id}", async () => {
    const { socket } = await openSession(exports.default);
    socket.send({ type: "cancel_run", id: "c1", payload: {} });
    expect((await socket.next("error")).payload).toMatchObject({ code: "invalid_frame", retryable: false });
    socket.send({ type: "cancel_run", id: "c2", payload: { run_id: "x".repeat(65) } });
    expect((await socket.next("error")).payload).toMatchObject({ code: "invalid_frame" });
    socket.close();
  });
});

describe("the run deadline (AGENT_RUN_TIMEOUT_SECONDS, 1 s in this project)", () => {
  it("ends a run that never finishes, even one that ignores its signal, as cancelled with reason deadline, keeping what it wrote", async () => {
    const { socket, userId } = await openSession(exports.default);
    const run = await runOf(socket, "[hangs] think forever");
    expect(run.at(-1)?.type).toBe("agent_completed");
    expect(run.at(-1)?.payload).toMatchObject({ status: "cancelled", reason: "deadline", result: "So far" });
    const rows = await rowsOf(userId);
    expect(rows.runs).toEqual([{ status: "cancelled", result: "So far", error: "deadline" }]);
    expect(rows.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    // The thread is free again: the next message runs.
    const next = await runOf(socket, "[demo] what is 3*3", run[0]?.thread_id);
    expect(next.at(-1)?.payload).toMatchObject({ status: "completed", result: "3*3 = 9" });
    socket.close();
  });
});

describe("history", () => {
  it("gives an agent the thread's earlier messages, oldest first, and nothing of other threads", async () => {
    const { socket } = await openSession(exports.default);
    const first = await runOf(socket, "[custom] one two three");
    const threadId = first[0]?.thread_id ?? "";
    await runOf(socket, "[demo] what is 2+2", threadId);
    await runOf(socket, "[custom] another thread entirely");
    const third = await runOf(socket, "[custom] and now", threadId);
    expect(framesOfType(third, "agent_thinking")[0]?.payload.thought).toMatch(/the thread had 4 messages before\.$/);
    expect(framesOfType(third, "final_report")[0]?.payload.report).toEqual({
      history: ["user: [custom] one two three", "assistant: You wrote 4 words.", "user: [demo] what is 2+2", "assistant: 2+2 = 4"],
    });
    socket.close();
  });
});
