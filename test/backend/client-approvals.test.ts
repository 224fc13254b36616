import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { RunLog, SessionInbox } from "../../client/index.js";
import { SdkRecorder } from "../support/sdk-recorder.js";
import { connectSdk, signedUpSdkUser } from "../support/workerd-sdk.js";

/**
 * Tool approval and notifications as the client SDK shows them, against the real Workers: the
 * demo agent's `send_summary` asks first (docs/tools.md, "Tools that ask first").
 */
const sessions = env.USER_SESSION;

describe("the client SDK and tool approval", () => {
  it("approve() answers the request; the run log and the inbox show it waiting, then going on", async () => {
    const auth = await signedUpSdkUser("Approver");
    const recorder = new SdkRecorder(10_000);
    const log = new RunLog();
    const inbox = new SessionInbox();
    const connection = connectSdk(auth, recorder);
    connection.on("tool_approval_requested", (frame) => inbox.apply(frame));
    const unsubscribe = connection.on("ack", (frame) => inbox.apply(frame));
    for (const type of ["agent_started", "tool_approval_requested", "tool_executing", "partial_result", "agent_completed"] as const) {
      connection.on(type, (frame) => log.apply(frame));
    }
    await recorder.state("open");
    const id = connection.send("please send me a summary");
    log.sent(id, "please send me a summary", null);
    const request = await recorder.frame("tool_approval_requested", id);
    expect(request.payload).toMatchObject({ tool_name: "send_summary", input: { summary: "please send me a summary" } });
    expect(log.snapshot()[0]).toMatchObject({
      status: "awaiting_approval",
      approvals: [{ approvalId: request.payload.approval_id, toolName: "send_summary" }],
    });
    expect(inbox.snapshot().approvals).toMatchObject([{ approvalId: request.payload.approval_id, messageId: id }]);

    const answerId = connection.approve(request.payload.approval_id, true);
    expect((await recorder.frame("ack", answerId)).payload).toMatchObject({ message_id: request.payload.approval_id, duplicate: false });
    const completed = await recorder.frame("agent_completed", id);
    expect(completed.payload.result).toMatch(/^Sent the summary to /);
    expect(log.snapshot()[0]).toMatchObject({ status: "completed", approvals: [] });
    expect(inbox.snapshot().approvals).toEqual([]);
    expect(connection.unacknowledged).toBe(0);
    unsubscribe();
    connection.close();
  });

  it("an answer given while reconnecting is queued and carried once the socket is back", async () => {
    const auth = await signedUpSdkUser("offline");
    const recorder = new SdkRecorder(10_000);
    const connection = connectSdk(auth, recorder);
    await recorder.state("open");
    const id = connection.send("send it, but say no");
    const request = await recorder.frame("tool_approval_requested", id);
    const sid = String(decodeJwt((await auth.accessToken()) ?? "").sid);
    await runInDurableObject(sessions.get(sessions.idFromName(sid)), (_instance, state) => {
      for (const socket of state.getWebSockets()) socket.close(1012, "restarting");
    });
    await recorder.state("reconnecting");
    const answerId = connection.approve(request.payload.approval_id, false, "not now");
    expect(connection.unacknowledged).toBe(1);
    await recorder.state("open", 2);
    await recorder.frame("ack", answerId);
    expect((await recorder.frame("agent_completed", id)).payload.result).toBe("Not sent (not now).");
    expect(connection.unacknowledged).toBe(0);
    connection.close();
  });

  it("refuses a reason over 500 characters before sending anything", async () => {
    const auth = await signedUpSdkUser("Verbose");
    const recorder = new SdkRecorder(10_000);
    const connection = connectSdk(auth, recorder);
    expect(() => connection.approve("a1", false, "x".repeat(501))).toThrow(RangeError);
    expect(connection.unacknowledged).toBe(0);
    connection.close();
  });
});
