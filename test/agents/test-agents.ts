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
 * - `[hangs]` thinks, then ignores everything (the deadline ends it);
 * - `[asks]` a hand-written agent that calls `send_summary` (it needs approval) and says in
 *   `resume` what came of it; `[asks-twice]` the same with two calls in one run, answered one by
 *   one; `[asks-plain]` one without `resume` (Tether makes the answered call, and the run ends);
 * - `[ai-approve]` an AI SDK test model that calls `send_summary`, then answers from its result
 *   or its denial.
 */
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4Usage } from "@ai-sdk/provider";
import { APICallError } from "ai";
import { MockLanguageModelV4, simulateReadableStream } from "ai/test";
import type { Agent, AgentEvent, AgentRun } from "../../durable-objects/agents/agent.js";
import { aiSdkAgent } from "../../durable-objects/agents/ai-sdk.js";
import { scriptedDemo } from "../../durable-objects/agents/demo.js";
import { answeredCalls } from "../../durable-objects/agents/runner.js";

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

/** Calls send_summary with the message; `resume` makes the same call (now answered) and says how it went. */
const asksFirst: Agent = {
  name: "asks",
  async *run({ message, tools }) {
    yield { type: "thinking", thought: "Sending needs your yes." };
    yield { type: "text", delta: "Asking first. " };
    yield* tools.call("send_summary", { to: "me", summary: message.content });
    yield { type: "text", delta: "never sent: the call above ends the generator" };
  },
  async *resume({ message, tools }, approvals) {
    const outcome = yield* tools.call("send_summary", { to: "me", summary: message.content });
    const reason = approvals.decisions[0]?.reason;
    yield { type: "text", delta: outcome.ok ? "Sent." : `Not sent (${reason ?? outcome.error}).` };
  },
};

/** Two calls that need approval, one after the other: the second is asked in the first's `resume`. */
const asksTwice: Agent = {
  name: "asks-twice",
  async *run({ tools }) {
    yield* tools.call("send_summary", { to: "first", summary: "one" });
  },
  async *resume({ tools }, approvals) {
    const answered = approvals.decisions[0]?.input as { to: string } | undefined;
    if (answered?.to === "first") {
      const first = yield* tools.call("send_summary", { to: "first", summary: "one" });
      yield { type: "text", delta: `first ${first.ok ? "sent" : "not sent"}; ` };
    }
    const second = yield* tools.call("send_summary", { to: "second", summary: "two" });
    yield { type: "text", delta: `second ${second.ok ? "sent" : "not sent"}` };
  },
};

const asksPlain: Agent = {
  name: "asks-plain",
  async *run({ tools }) {
    yield { type: "text", delta: "Before the call." };
    yield* tools.call("send_summary", { to: "me", summary: "plain" });
  },
};

/** Calls send_summary; once it has a tool result (the call ran, or was denied) it answers from it. */
export const approvalModel = new MockLanguageModelV4({
  modelId: "asks-approval",
  doStream: async (options) => {
    const result = options.prompt
      .flatMap((message) => (message.role === "tool" ? message.content : []))
      .find((part) => part.type === "tool-result");
    if (!result) {
      return stream([
        { type: "stream-start", warnings: [] },
        { type: "tool-call", toolCallId: "send-1", toolName: "send_summary", input: JSON.stringify({ to: "me", summary: "the thread" }) },
        { type: "finish", finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: usage(10, 5) },
      ]);
    }
    const answer = result.output.type === "execution-denied" ? `Not sent: ${result.output.reason ?? "denied"}.` : "Sent it.";
    return stream([
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "answer" },
      { type: "text-delta", id: "answer", delta: answer },
      { type: "text-end", id: "answer" },
      { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(20, 3) },
    ]);
  },
});

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
  "[asks]": asksFirst,
  "[asks-twice]": asksTwice,
  "[asks-plain]": asksPlain,
  "[ai-approve]": aiSdkAgent({ name: "ai-sdk", model: approvalModel }),
};

function agentFor(run: AgentRun): Agent {
  const prefix = run.message.content.split(" ")[0] ?? "";
  const agent = byPrefix[prefix];
  if (!agent) throw new Error(`no test agent for ${prefix}`);
  return agent;
}

/** The agent the message's first word names; a resumed run goes back to the same one (as the runner would without `resume`). */
export const routingAgent: Agent = {
  name: "test",
  run: (run) => agentFor(run).run(run),
  resume(run, approvals) {
    const agent = agentFor(run);
    return agent.resume ? agent.resume(run, approvals) : answeredCalls(run.tools, approvals);
  },
};
