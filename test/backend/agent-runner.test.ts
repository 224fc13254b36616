import { describe, expect, it } from "vitest";
import type { Agent, AgentEvent } from "../../durable-objects/agents/agent.js";
import { AgentContractError } from "../../durable-objects/agents/runner.js";
import { runDirectly } from "../support/backend/agent-run.js";

/**
 * The runner holds any agent to the run contract (docs/protocol.md, WebSocket); through real
 * session objects the same is shown in test/agents/.
 */
const scripted = (events: AgentEvent[]): Agent => ({
  name: "scripted",
  async *run() {
    yield* events;
  },
});

const run = runDirectly;

describe("the runner", () => {
  it("supplies a thought to an agent that starts writing, holds text back one delta, and ends the partials complete", async () => {
    const { outcome, published, types } = await run(
      scripted([
        { type: "text", delta: "Hel" },
        { type: "text", delta: "lo" },
      ]),
    );
    expect(types).toEqual(["agent_started", "agent_thinking", "partial_result", "partial_result"]);
    expect(published.slice(2).map((event) => event.payload)).toMatchObject([
      { content: "Hel", is_complete: false },
      { content: "lo", is_complete: true },
    ]);
    expect(outcome).toMatchObject({ status: "completed", result: "Hello", metrics: { thoughts: 1, tool_calls: 0 } });
  });

  it("sends the whole result as one complete partial when the agent wrote no text, and takes finish's result and metrics", async () => {
    const { outcome, published } = await run(
      scripted([
        { type: "thinking", thought: "t" },
        { type: "report", report: { a: 1 } },
        { type: "finish", result: "42", metrics: { cost: 3 } },
      ]),
    );
    expect(published.map((event) => event.type)).toEqual(["agent_started", "agent_thinking", "partial_result", "final_report"]);
    expect(published[2]?.payload).toMatchObject({ content: "42", is_complete: true });
    expect(outcome).toMatchObject({ result: "42", metrics: { cost: 3, thoughts: 1, tool_calls: 0 } });
  });

  it("pairs a tool's events and times them; yield* tools.call gives the agent the outcome", async () => {
    const agent: Agent = {
      name: "tooling",
      async *run({ tools }) {
        const good = yield* tools.call("calculator", { expression: "6*7" });
        const bad = yield* tools.call("calculator", { expression: 7 });
        const missing = yield* tools.call("nope", {});
        yield { type: "text", delta: JSON.stringify([good, bad, missing]) };
      },
    };
    const { outcome, published } = await run(agent);
    const completions = published.filter((event) => event.type === "tool_completed").map((event) => event.payload);
    expect(completions).toMatchObject([
      { tool_name: "calculator", output: { value: 42 }, duration_ms: expect.any(Number) },
      { tool_name: "calculator", error: "the input does not match the tool's schema" },
      { tool_name: "nope", error: "no tool named nope" },
    ]);
    expect(outcome.status === "completed" && JSON.parse(outcome.result)).toEqual([
      { ok: true, output: { expression: "6*7", value: 42 } },
      { ok: false, error: "the input does not match the tool's schema" },
      { ok: false, error: "no tool named nope" },
    ]);
  });

  it.each<[string, AgentEvent[]]>([
    ["a result for a call that is not running", [{ type: "tool_result", callId: "c", output: 1 }]],
    ["a call that never completes", [{ type: "tool_call", callId: "c", toolName: "calculator", input: {} }]],
    [
      "the same call started twice",
      [
        { type: "tool_call", callId: "c", toolName: "calculator", input: {} },
        { type: "tool_call", callId: "c", toolName: "calculator", input: {} },
      ],
    ],
    ["an event after finish", [{ type: "finish" }, { type: "text", delta: "late" }]],
  ])("fails the run on %s", async (_case, events) => {
    await expect(run(scripted(events))).rejects.toBeInstanceOf(AgentContractError);
  });

  it("reads the history only after agent_started is out", async () => {
    let publishedAtRead: string[] = [];
    await run(scripted([{ type: "text", delta: "x" }]), {
      history: async (publishedSoFar) => {
        publishedAtRead = publishedSoFar.map((event) => event.type);
        return [];
      },
    });
    expect(publishedAtRead).toEqual(["agent_started"]);
  });

  it("a run cancelled while its history is read ends cancelled without calling the agent", async () => {
    const controller = new AbortController();
    let called = false;
    const agent: Agent = {
      name: "never",
      async *run() {
        called = true;
        yield { type: "text", delta: "x" };
      },
    };
    const history = () =>
      new Promise<[]>(() => {
        controller.abort("cancel_run");
      });
    const { outcome, types } = await run(agent, { signal: controller.signal, history });
    expect(outcome).toMatchObject({ status: "cancelled", reason: "cancel_run", result: "" });
    expect(types).toEqual(["agent_started"]);
    expect(called).toBe(false);
  });
});
