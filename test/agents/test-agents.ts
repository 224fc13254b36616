/**
 * @module
 * The agents of the agents project (vitest.config.ts), registered as `AGENT = "test"`: one agent
 * that hands each message to the agent its first word names, so one session object can be driven
 * by the demo agent, an AI SDK test model or a hand-written agent, message by message.
 *
 * (The session sees one agent, so `agent_name` is "test" in every frame.)
 *
 * - `[demo]` the demo agent;
 * - `[ai-sdk]` an AI SDK test model (`ai/test`) scripted to reason, call the calculator on "2+2",
 *   and answer from the tool's result; `[ai-sdk-fails]` one whose stream errors half-way;
 * - `[custom]` a hand-written agent: a thought naming the history, word_count, text, a report;
 * - `[waits]` thinks, opens a tool call and waits for the signal (cancel it);
 * - `[hangs]` thinks, then ignores everything (the deadline ends it).
 */
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4Usage } from "@ai-sdk/provider";
import { APICallError } from "ai";
import { MockLanguageModelV4, simulateReadableStream } from "ai/test";
import type { Agent, AgentEvent, AgentRun } from "../../durable-objects/agents/agent.js";
import { aiSdkAgent } from "../../durable-objects/agents/ai-sdk.js";
import { scriptedDemo } from "../../durable-objects/agents/demo.js";

const usage = (input: number, output: number): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

const stream = (chunks: LanguageModelV4StreamPart[]) => ({ stream: simulateReadableStream({ chunks, chunkDelayInMs: null }) });

/** The tool's answer is in the prompt once the calculator has run: then the model answers. */
const hasToolResult = (options: LanguageModelV4CallOptions) => options.prompt.some((message) => message.role === "tool");

/** Reasoning, a calculator call, then (next step) the answer from the tool's result. */
export const scriptedModel = new MockLanguageModelV4({
  modelId: "scripted-arithmetic",
  doStream: async (options) =>
    hasToolResult(options)
      ? stream([
          { type: "stream-start", warnings: [] },
          { type: "text-start", id: "answer" },
          { type: "text-delta", id: "answer", delta: "2+2 " },
          { type: "text-delta", id: "answer", delta: "= 4" },
          { type: "text-end", id: "answer" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(30, 4) },
        ])
      : stream([
          { type: "stream-start", warnings: [] },
          { type: "reasoning-start", id: "why" },
          { type: "reasoning-delta", id: "why", delta: "Arithmetic: " },
          { type: "reasoning-delta", id: "why", delta: "the calculator will do it." },
          { type: "reasoning-end", id: "why" },
          { type: "tool-call", toolCallId: "call-1", toolName: "calculator", input: JSON.stringify({ expression: "2+2" }) },
          { type: "finish", finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: usage(20, 8) },
        ]),
});

/** Starts answering, then the provider fails. */
export const failingModel = new MockLanguageModelV4({
  modelId: "fails-half-way",
  doStream: async () =>
    stream([
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "answer" },
      { type: "text-delta", id: "answer", delta: "Half an ans" },
      { type: "error", error: new Error("the provider went away") },
    ]),
});

/**
 * A model whose provider refuses the call with `statusCode`: a 401 (a wrong key, not retryable)
 * or a 429 (a rate limit, retryable). Its message quotes the conversation, as providers' do.
 */
function refusingModel(statusCode: number, isRetryable: boolean) {
  return new MockLanguageModelV4({
    modelId: `refuses-${statusCode}`,
    doStream: async (options) => {
      const quoted = JSON.stringify(options.prompt).slice(0, 200);
      throw new APICallError({
        message: `HTTP ${statusCode}: canary-secret-detail ${quoted}`,
        url: "https://models.test/v1",
        requestBodyValues: {},
        statusCode,
        isRetryable,
      });
    },
  });
}

export const customAgent: Agent = {
  name: "custom",
  async *run({ message, history, tools, user }: AgentRun): AsyncGenerator<AgentEvent> {
    yield { type: "thinking", thought: `${user.name} wrote; the thread had ${history.length} messages before.` };
    const outcome = yield* tools.call("word_count", { text: message.content });
    const words = outcome.ok ? (outcome.output as { words: number }).words : 0;
    yield { type: "text", delta: "You wrote " };
    yield { type: "text", delta: `${words} words.` };
    yield { type: "report", report: { history: history.map((earlier) => `${earlier.role}: ${earlier.content}`) } };
    yield { type: "finish", metrics: { words } };
  },
};

const waitsForCancel: Agent = {
  name: "waits",
  async *run({ signal }) {
    yield { type: "thinking", thought: "Starting something slow." };
    yield { type: "tool_call", callId: "slow-call", toolName: "slow_tool", input: {} };
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    yield { type: "text", delta: "never sent" };
  },
};

const hangs: Agent = {
  name: "hangs",
  async *run() {
    yield { type: "thinking", thought: "Thinking forever." };
    yield { type: "text", delta: "So far" };
    // Ignores the signal: only the runner's deadline ends this run.
    await new Promise(() => undefined);
  },
};

const byPrefix: Record<string, Agent> = {
  "[demo]": scriptedDemo,
  "[ai-sdk]": aiSdkAgent({ name: "ai-sdk", model: scriptedModel, instructions: "Answer arithmetic with the calculator." }),
  "[ai-sdk-fails]": aiSdkAgent({ name: "ai-sdk", model: failingModel }),
  // No retries: the run fails at the first refusal (the SDK's backoff would only slow the test).
  "[ai-sdk-401]": aiSdkAgent({ name: "ai-sdk", model: refusingModel(401, false), maxRetries: 0 }),
  "[ai-sdk-429]": aiSdkAgent({ name: "ai-sdk", model: refusingModel(429, true), maxRetries: 0 }),
  "[custom]": customAgent,
  "[waits]": waitsForCancel,
  "[hangs]": hangs,
};

/** The agent the message's first word names. */
export const routingAgent: Agent = {
  name: "test",
  run(run) {
    const prefix = run.message.content.split(" ")[0] ?? "";
    const agent = byPrefix[prefix];
    if (!agent) throw new Error(`no test agent for ${prefix}`);
    return agent.run(run);
  },
};
