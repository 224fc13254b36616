import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
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
    // A stream that failed for no cause the run can name: trying again is not promised to help.
    expect(run.at(-1)?.payload).toEqual({ code: "run_failed", message: "The agent run failed.", retryable: false });
    expect(run.at(-1)?.reply_to).toBe(run[0]?.reply_to);
    expect((await rowsOf(userId)).runs).toEqual([{ status: "failed", result: null, error: "the provider went away" }]);
    // The session goes on.
    expect((await runOf(socket, "[demo] what is 1+1")).at(-1)?.payload).toMatchObject({ status: "completed", result: "1+1 = 2" });
    socket.close();
  });
});

describe("a model API that refuses the call", () => {
  /** The `agent_run_failed` lines the session objects log while `work` runs (they share this isolate). */
  async function failureLogs(work: () => Promise<unknown>): Promise<string[]> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return lines.filter((line) => line.includes('"agent_run_failed"'));
  }

  it.each([
    ["401", "a wrong key", { status: 401, retryable: false }],
    ["429", "a rate limit", { status: 429, retryable: true }],
  ])(
    "logs a %s (%s) by class, status and retryability — never its message — and tells the client whether to retry",
    async (code, _why, expected) => {
      const { socket } = await openSession(exports.default);
      let run: Awaited<ReturnType<typeof runOf>> = [];
      const logs = await failureLogs(async () => (run = await runOf(socket, `[ai-sdk-${code}] my order number is canary-order-42`)));
      socket.close();
      expect(run.at(-1)?.payload).toEqual({ code: "run_failed", message: "The agent run failed.", retryable: expected.retryable });
      expect(logs).toHaveLength(1);
      expect(JSON.parse(logs[0] ?? "{}")).toMatchObject({
        level: "error",
        event: "agent_run_failed",
        error: "AI_APICallError",
        ...expected,
      });
      expect(logs[0]).not.toMatch(/canary|HTTP \d/);
    },
  );
});
