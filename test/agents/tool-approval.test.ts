import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "@tether/protocol";
import { framesOfType } from "../support/frames.js";
import { openSession, openSocket, type TestSocket } from "../support/ws.js";
import type { TokenResponse } from "../support/http.js";

/**
 * Tool approval through real session objects and real sockets (docs/tools.md, "Tools that ask
 * first"): `send_summary` needs a person's yes; the agents of test-agents.ts call it.
 */

function sessionStub(tokens: TokenResponse) {
  const { sid } = decodeJwt(tokens.access_token) as { sid: string };
  return env.USER_SESSION.get(env.USER_SESSION.idFromName(sid));
}

/** Sends `content` and waits for its approval request. */
async function askAndWait(socket: TestSocket, content: string) {
  const messageId = crypto.randomUUID();
  socket.send({ type: "user_message", id: messageId, payload: { content } });
  const request = await socket.next("tool_approval_requested");
  return { messageId, request, runId: request.payload.run_id, approvalId: request.payload.approval_id };
}

function answer(socket: TestSocket, approvalId: string, approved: boolean, reason?: string): string {
  const id = crypto.randomUUID();
  socket.send({
    type: "approve_tool",
    id,
    payload: reason === undefined ? { approval_id: approvalId, approved } : { approval_id: approvalId, approved, reason },
  });
  return id;
}

async function runRow(runId: string) {
  return env.APP_DB.prepare("SELECT status, result, error FROM agent_runs WHERE id = ?")
    .bind(runId)
    .first<{ status: string; result: string | null; error: string | null }>();
}

async function approvalRows(runId: string) {
  const { results } = await env.APP_DB.prepare(
    "SELECT tool_name, input, status, reason FROM tool_approvals WHERE run_id = ? ORDER BY requested_at, rowid",
  )
    .bind(runId)
    .all<{ tool_name: string; input: string; status: string; reason: string | null }>();
  return results;
}

/** A ping's pong has come back: every frame sent before it has arrived. */
async function roundTrip(socket: TestSocket): Promise<void> {
  socket.send({ type: "ping", id: crypto.randomUUID(), payload: {} });
  await socket.next("pong");
}

/** A run that asked once and was approved, after its ack: the request between the text so far and the call. */
const APPROVED_RUN = [
  "agent_started",
  "agent_thinking",
  "partial_result",
  "tool_approval_requested",
  "tool_executing",
  "tool_completed",
  "partial_result",
  "agent_completed",
];

const ofRun = (frames: ServerFrame[], messageId: string) => frames.filter((frame) => frame.reply_to === messageId && frame.type !== "ack");

describe("a tool that needs approval", () => {
  it("asks, waits with its rows saying so, and on approval runs the call under the same run_id, seq gap-free", async () => {
    const { socket } = await openSession(exports.default);
    const { messageId, request, runId, approvalId } = await askAndWait(socket, "[asks] the weekly summary");
    expect(request.payload).toMatchObject({ tool_name: "send_summary", input: { to: "me", summary: "[asks] the weekly summary" } });
    expect(request.reply_to).toBe(messageId);
    expect(typeof request.seq).toBe("number");
    expect(await runRow(runId)).toMatchObject({ status: "awaiting_approval" });
    expect(await approvalRows(runId)).toMatchObject([{ tool_name: "send_summary", status: "pending" }]);

    const answerId = answer(socket, approvalId, true);
    const ack = await socket.next("ack");
    expect(ack.reply_to).toBe(answerId);
    expect(ack.payload).toEqual({ message_id: approvalId, thread_id: request.thread_id, duplicate: false });
    const completed = await socket.next("agent_completed");
    expect(completed.payload).toMatchObject({ run_id: runId, status: "completed", result: "Asking first. Sent." });

    const run = ofRun(socket.frames, messageId);
    expect(run.map((frame) => frame.type)).toEqual(APPROVED_RUN);
    expect(new Set(run.map((frame) => (frame.payload as { run_id?: string }).run_id))).toEqual(new Set([runId]));
    expect(framesOfType(run, "tool_executing")[0]?.payload.call_id).toBe(request.payload.call_id);
    expect(framesOfType(run, "tool_completed")[0]?.payload).toMatchObject({ output: { sent_to: "me" } });
    expect(framesOfType(run, "partial_result").map((frame) => frame.payload.is_complete)).toEqual([false, true]);
    const seqs = socket.frames.filter((frame) => frame.seq !== undefined).map((frame) => frame.seq ?? 0);
    expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] ?? 0) + index));
    expect(await runRow(runId)).toEqual({ status: "completed", result: "Asking first. Sent.", error: null });
    expect(await approvalRows(runId)).toMatchObject([{ status: "approved", reason: null }]);
    socket.close();
  });

  it("denied: tool_completed says denied with the reason, the agent goes on, the row records the decision", async () => {
    const { socket } = await openSession(exports.default);
    const { runId, approvalId } = await askAndWait(socket, "[asks] to everyone");
    answer(socket, approvalId, false, "not to everyone");
    const completed = await socket.next("agent_completed");
    expect(completed.payload).toMatchObject({ status: "completed", result: "Asking first. Not sent (not to everyone)." });
    expect(framesOfType(socket.frames, "tool_completed")[0]?.payload).toMatchObject({ error: "denied", reason: "not to everyone" });
    expect(await approvalRows(runId)).toMatchObject([{ status: "denied", reason: "not to everyone" }]);
    socket.close();
  });

  it("an answer from another socket of the session continues the run on every socket", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const { messageId, approvalId } = await askAndWait(socket, "[asks] from the phone");
    const phone = await openSocket(exports.default, { token: tokens.access_token });
    await phone.next("connection_established");
    answer(phone, approvalId, true);
    expect((await socket.next("agent_completed")).payload.result).toBe("Asking first. Sent.");
    expect((await phone.next("agent_completed")).reply_to).toBe(messageId);
    socket.close();
    phone.close();
  });

  it("survives a reconnect: resume_after replays the request, and the answer on the new socket goes on", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const before = socket.frames.at(-1)?.seq ?? 0;
    const { approvalId } = await askAndWait(socket, "[asks] later");
    const lastSeen = framesOfType(socket.frames, "ack")[0]?.seq ?? before;
    socket.close();
    await socket.closed();
    const again = await openSocket(exports.default, { token: tokens.access_token, query: `?resume_after=${lastSeen}` });
    const replayed = await again.next("tool_approval_requested");
    expect(replayed.payload.approval_id).toBe(approvalId);
    answer(again, approvalId, true);
    expect((await again.next("agent_completed")).payload.result).toBe("Asking first. Sent.");
    again.close();
  });

  it("survives a reset of the object: after ctx.abort() the answer continues the run from storage", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const { runId, approvalId } = await askAndWait(socket, "[asks] after a reset");
    await expect(runInDurableObject(sessionStub(tokens), (_instance, state) => state.abort("reset in a test"))).rejects.toThrow();
    await socket.closed();
    const again = await openSocket(exports.default, { token: tokens.access_token });
    await again.next("connection_established");
    answer(again, approvalId, true);
    const completed = await again.next("agent_completed");
    expect(completed.payload).toMatchObject({ run_id: runId, status: "completed", result: "Asking first. Sent." });
    expect(await runRow(runId)).toMatchObject({ status: "completed" });
    again.close();
  });

  it("cancel_run while waiting ends the run cancelled; a later answer is approval_not_found", async () => {
    const { socket } = await openSession(exports.default);
    const { runId, approvalId } = await askAndWait(socket, "[asks] never mind");
    socket.send({ type: "cancel_run", id: crypto.randomUUID(), payload: { run_id: runId } });
    const completed = await socket.next("agent_completed");
    expect(completed.payload).toMatchObject({ run_id: runId, status: "cancelled", reason: "cancel_run", result: "Asking first. " });
    expect(await runRow(runId)).toEqual({ status: "cancelled", result: "Asking first. ", error: "cancel_run" });
    expect(await approvalRows(runId)).toMatchObject([{ status: "cancelled" }]);
    answer(socket, approvalId, true);
    expect((await socket.next("error")).payload.code).toBe("approval_not_found");
    socket.close();
  });

  it("expires on the object's alarm after AGENT_APPROVAL_TIMEOUT_SECONDS: cancelled with reason approval_expired", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const { runId, approvalId } = await askAndWait(socket, "[asks] nobody answers");
    const alarmAt = await runInDurableObject(sessionStub(tokens), async (_instance, state) => {
      const alarm = await state.storage.getAlarm();
      // As if the timeout had passed: the wait's expiry moved to now.
      state.storage.sql.exec("UPDATE waiting_runs SET expires_at = ?", Date.now());
      return alarm;
    });
    expect(alarmAt).not.toBeNull();
    await runDurableObjectAlarm(sessionStub(tokens));
    const completed = await socket.next("agent_completed");
    expect(completed.payload).toMatchObject({ run_id: runId, status: "cancelled", reason: "approval_expired" });
    expect(await approvalRows(runId)).toMatchObject([{ status: "expired" }]);
    expect(await runRow(runId)).toMatchObject({ status: "cancelled", error: "approval_expired" });
    answer(socket, approvalId, true);
    expect((await socket.next("error")).payload.code).toBe("approval_not_found");
    socket.close();
  });

  it("sets the alarm for the wait's expiry, about AGENT_APPROVAL_TIMEOUT_SECONDS (default 86,400) from the request", async () => {
    const { socket, tokens } = await openSession(exports.default);
    await askAndWait(socket, "[asks] the alarm");
    socket.close();
    await socket.closed();
    const { alarm, expiresAt } = await runInDurableObject(sessionStub(tokens), async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      expiresAt: state.storage.sql.exec<{ expires_at: number }>("SELECT expires_at FROM waiting_runs").one().expires_at,
    }));
    expect(expiresAt - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect(alarm).toBeLessThanOrEqual(expiresAt);
  });

  it("revocation while waiting ends the run cancelled, reason session_revoked", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const { runId } = await askAndWait(socket, "[asks] then log out");
    await runInDurableObject(sessionStub(tokens), (instance) => instance.revoke("logout"));
    expect(await runRow(runId)).toMatchObject({ status: "cancelled", error: "session_revoked" });
    expect(await approvalRows(runId)).toMatchObject([{ status: "cancelled" }]);
  });

  it("refuses an unknown, answered, or another session's approval id with approval_not_found and changes nothing", async () => {
    const { socket } = await openSession(exports.default);
    const other = await openSession(exports.default);
    const { approvalId: othersApproval, runId: othersRun } = await askAndWait(other.socket, "[asks] not yours");
    const { approvalId, runId } = await askAndWait(socket, "[asks] mine");
    answer(socket, approvalId, true);
    await socket.next("agent_completed");
    for (const id of [crypto.randomUUID(), approvalId, othersApproval]) {
      const frameId = answer(socket, id, false);
      const refusal = await socket.next("error");
      expect(refusal.reply_to).toBe(frameId);
      expect(refusal.seq).toBeUndefined();
      expect(refusal.payload).toMatchObject({ code: "approval_not_found", retryable: false });
    }
    expect(await approvalRows(runId)).toMatchObject([{ status: "approved" }]);
    expect(await approvalRows(othersRun)).toMatchObject([{ status: "pending" }]);
    expect(await runRow(othersRun)).toMatchObject({ status: "awaiting_approval" });
    await roundTrip(other.socket);
    expect(framesOfType(other.socket.frames, "agent_completed")).toEqual([]);
    socket.close();
    other.socket.close();
  });

  it("acknowledges a resent answer (same frame id) as a duplicate, once the run has gone on", async () => {
    const { socket } = await openSession(exports.default);
    const { approvalId } = await askAndWait(socket, "[asks] twice the same");
    const frame = { type: "approve_tool", id: "answer-1", payload: { approval_id: approvalId, approved: true } };
    socket.send(frame);
    await socket.next("agent_completed");
    socket.send(frame);
    const duplicate = await socket.next("ack");
    expect(duplicate.reply_to).toBe("answer-1");
    expect(duplicate.payload).toMatchObject({ message_id: approvalId, duplicate: true });
    expect(framesOfType(socket.frames, "agent_completed")).toHaveLength(1);
    socket.close();
  });

  it("refuses a malformed approve_tool with invalid_frame, and the wait goes on", async () => {
    const { socket } = await openSession(exports.default);
    const { runId, approvalId } = await askAndWait(socket, "[asks] malformed");
    for (const payload of [
      {},
      { approval_id: approvalId },
      { approval_id: approvalId, approved: "yes" },
      { approval_id: approvalId, approved: true, reason: "x".repeat(501) },
      { approval_id: approvalId, approved: true, extra: 1 },
    ]) {
      socket.send({ type: "approve_tool", id: crypto.randomUUID(), payload });
      expect((await socket.next("error")).payload).toMatchObject({ code: "invalid_frame", retryable: false });
    }
    expect(await approvalRows(runId)).toMatchObject([{ status: "pending" }]);
    answer(socket, approvalId, true);
    expect((await socket.next("agent_completed")).payload.status).toBe("completed");
    socket.close();
  });

  it("two questions in one run, asked one after the other, each answered", async () => {
    const { socket } = await openSession(exports.default);
    const first = await askAndWait(socket, "[asks-twice] go");
    answer(socket, first.approvalId, true);
    const second = await socket.next("tool_approval_requested");
    expect(second.payload).toMatchObject({ run_id: first.runId, input: { to: "second" } });
    answer(socket, second.payload.approval_id, false);
    expect((await socket.next("agent_completed")).payload).toMatchObject({ run_id: first.runId, result: "first sent; second not sent" });
    expect(await approvalRows(first.runId)).toMatchObject([{ status: "approved" }, { status: "denied" }]);
    socket.close();
  });

  it("an agent without resume: Tether makes the approved call itself, and the run ends with what it had written", async () => {
    const { socket } = await openSession(exports.default);
    const { messageId, approvalId } = await askAndWait(socket, "[asks-plain] go");
    answer(socket, approvalId, true);
    expect((await socket.next("agent_completed")).payload).toMatchObject({ status: "completed", result: "Before the call." });
    expect(ofRun(socket.frames, messageId).map((frame) => frame.type)).toEqual(APPROVED_RUN);
    socket.close();
  });
});

describe("an AI SDK model that calls a tool needing approval", () => {
  it("approved: the SDK runs the call and the model answers from its result", async () => {
    const { socket } = await openSession(exports.default);
    const { messageId, request, approvalId } = await askAndWait(socket, "[ai-approve] send the thread");
    expect(request.payload).toMatchObject({ call_id: "send-1", tool_name: "send_summary", input: { to: "me", summary: "the thread" } });
    // No tool_executing for a call that has not run.
    expect(framesOfType(socket.frames, "tool_executing")).toEqual([]);
    answer(socket, approvalId, true);
    expect((await socket.next("agent_completed")).payload).toMatchObject({ status: "completed", result: "Sent it." });
    const run = ofRun(socket.frames, messageId);
    expect(framesOfType(run, "tool_executing")[0]?.payload).toMatchObject({ call_id: "send-1" });
    expect(framesOfType(run, "tool_completed")[0]?.payload).toMatchObject({ call_id: "send-1", output: { sent_to: "me", characters: 10 } });
    socket.close();
  });

  it("denied, after a reset of the object: the model is told, from the stored conversation, and says so", async () => {
    const { socket, tokens } = await openSession(exports.default);
    const { approvalId } = await askAndWait(socket, "[ai-approve] send the thread");
    await expect(runInDurableObject(sessionStub(tokens), (_instance, state) => state.abort("reset in a test"))).rejects.toThrow();
    await socket.closed();
    const again = await openSocket(exports.default, { token: tokens.access_token });
    await again.next("connection_established");
    answer(again, approvalId, false, "not today");
    expect((await again.next("agent_completed")).payload).toMatchObject({ status: "completed", result: "Not sent: not today." });
    expect(framesOfType(again.frames, "tool_completed")[0]?.payload).toMatchObject({
      call_id: "send-1",
      error: "denied",
      reason: "not today",
    });
    again.close();
  });
});
