// W9 approval round trip: the demo agent meets a message with the word "send" by calling
// `send_summary`, a tool that needs the user's yes; the client gets `tool_approval_requested`,
// answers `approve_tool`, and the run goes on with that call's `tool_executing`. Timed from sending
// `approve_tool` to that frame (the answer is stored in one D1 batch on the way), one approval
// after another on one socket, each run left to complete before the next message.
import type { BenchConfig } from "../lib/config.ts";
import { Latencies, type Percentiles } from "../lib/stats.ts";
import { openFrameSocket, replyTo, type FrameSocket } from "../lib/tether-frames.ts";
import type { MintedToken } from "../lib/tokens.ts";

export type ApprovalResults = Percentiles[];

/** A message the demo agent answers by asking to run `send_summary` first. */
export const APPROVAL_MESSAGE = "send a summary of 6 * 7";

export interface ApprovalRequest {
  messageId: string;
  approvalId: string;
  callId: string;
}

/** Sends a message that needs an approval; resolves with the request once it arrived. */
export async function requestApproval(socket: FrameSocket): Promise<ApprovalRequest> {
  const messageId = socket.send("user_message", { content: APPROVAL_MESSAGE });
  const { frame } = await socket.waitFor(replyTo("tool_approval_requested", messageId));
  const { approval_id: approvalId, call_id: callId } = frame.payload as { approval_id: string; call_id: string };
  return { messageId, approvalId, callId };
}

/** Approves; resolves with the time from sending `approve_tool` to the call's `tool_executing`, once the run completed. */
export async function approve(socket: FrameSocket, request: ApprovalRequest): Promise<number> {
  const executing = socket.waitFor((frame) => frame.type === "tool_executing" && frame.payload.call_id === request.callId);
  const completed = socket.waitFor(replyTo("agent_completed", request.messageId));
  const sent = performance.now();
  socket.send("approve_tool", { approval_id: request.approvalId, approved: true });
  const { at } = await executing;
  await completed;
  return at - sent;
}

export async function runApprovals(origin: string, config: BenchConfig, tokens: MintedToken[]): Promise<ApprovalResults> {
  const results: ApprovalResults = [];
  for (let run = 0; run < config.runs; run += 1) {
    const socket = await openFrameSocket(origin, tokens[run % tokens.length]?.token ?? "");
    try {
      // The first approval of a session makes its thread and the object's approval tables: not timed.
      await approve(socket, await requestApproval(socket));
      const latencies = new Latencies();
      for (let index = 0; index < config.w9.approvals; index += 1) latencies.record(await approve(socket, await requestApproval(socket)));
      results.push(latencies.summary());
    } finally {
      await socket.close();
    }
  }
  return results;
}
