import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { framesOfType } from "../support/frames.js";
import { openSession } from "../support/ws.js";
import { rowsOf, runOf } from "./runs.js";
import { scriptedModel } from "./test-agents.js";

/** What a model was sent, as `role: text` lines (the system instructions first). */
function promptLines(prompt: LanguageModelV4Prompt): string[] {
  return prompt.map((message) => {
    const content = message.content;
    const text = typeof content === "string" ? content : content.map((part) => ("text" in part ? part.text : `[${part.type}]`)).join("");
    return `${message.role}: ${text}`;
  });
}

describe("an AI SDK model behind a session", () => {
  it("turns reasoning, a tool call and text into exactly these frames, in order, with contiguous seq", async () => {
    const { socket } = await openSession(exports.default);
    const run = await runOf(socket, "[ai-sdk] what is 2+2");
    expect(run.map((frame) => frame.type)).toEqual([
      "ack",
      "agent_started",
      "agent_thinking",
      "tool_executing",
      "tool_completed",
      "partial_result",
      "partial_result",
      "final_report",
      "agent_completed",
    ]);
    expect(run.map((frame) => frame.seq)).toEqual(run.map((_, index) => (run[0]?.seq ?? 0) + index));
    const payloads = run.map((frame) => frame.payload);
    expect(payloads[2]).toMatchObject({ agent_name: "test", thought: "Arithmetic: the calculator will do it." });
    expect(payloads[3]).toMatchObject({ tool_name: "calculator", call_id: "call-1", input: { expression: "2+2" } });
    expect(payloads[4]).toMatchObject({ tool_name: "calculator", call_id: "call-1", output: { expression: "2+2", value: 4 } });
    expect(framesOfType(run, "partial_result").map((frame) => [frame.payload.content, frame.payload.is_complete])).toEqual([
      ["2+2 ", false],
      ["= 4", true],
    ]);
    expect(payloads[7]).toMatchObject({
      report: { model: "scripted-arithmetic", finish_reason: "stop", usage: { input_tokens: 50, output_tokens: 12, total_tokens: 62 } },
    });
    expect(payloads[8]).toMatchObject({
      status: "completed",
      result: "2+2 = 4",
      metrics: { input_tokens: 50, output_tokens: 12, tool_calls: 1, thoughts: 1 },
    });
    socket.close();
  });

  it("sends the model the instructions, the thread's history oldest first, and the new message", async () => {
    const { socket } = await openSession(exports.default);
    const first = await runOf(socket, "[custom] one two three");
    const threadId = first[0]?.thread_id ?? "";
    const callsBefore = scriptedModel.doStreamCalls.length;
    await runOf(socket, "[ai-sdk] what is 2+2", threadId);
    const firstStep = scriptedModel.doStreamCalls[callsBefore];
    expect(promptLines(firstStep?.prompt ?? [])).toEqual([
      "system: Answer arithmetic with the calculator.",
      "user: [custom] one two three",
      "assistant: You wrote 4 words.",
      "user: [ai-sdk] what is 2+2",
    ]);
    socket.close();
  });

  it("ends the run with error run_failed when the model's stream fails half-way, and records it failed", async () => {
    const { socket, userId } = await openSession(exports.default);
    const run = await runOf(socket, "[ai-sdk-fails] tell me a story");
    expect(run.map((frame) => frame.type)).toEqual(["ack", "agent_started", "agent_thinking", "error"]);
    expect(run.at(-1)?.payload).toEqual({ code: "run_failed", message: "The agent run failed.", retryable: true });
    expect(run.at(-1)?.reply_to).toBe(run[0]?.reply_to);
    expect((await rowsOf(userId)).runs).toEqual([{ status: "failed", result: null, error: "the provider went away" }]);
    // The session goes on.
    expect((await runOf(socket, "[demo] what is 1+1")).at(-1)?.payload).toMatchObject({ status: "completed", result: "1+1 = 2" });
    socket.close();
  });
});
