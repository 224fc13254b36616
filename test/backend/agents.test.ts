import { describe, expect, it } from "vitest";
import type { Agent, AgentStep } from "../../durable-objects/agents/agent.js";
import { demoAgent, findExpression } from "../../durable-objects/agents/demo.js";
import { AgentContractError, runAgent } from "../../durable-objects/agents/run-agent.js";
import { calculator, evaluateExpression } from "../../durable-objects/agents/tools/calculator.js";
import { countWords, wordCount } from "../../durable-objects/agents/tools/word-count.js";
import type { ServerFrameType } from "../../workers/shared/protocol.js";

function recorder() {
  const events: Array<{ type: ServerFrameType; payload: Record<string, unknown> }> = [];
  return {
    events,
    publish: (type: ServerFrameType, payload: object) => events.push({ type, payload: payload as Record<string, unknown> }),
  };
}

describe("calculator", () => {
  it.each([
    ["12 * (3 + 4)", 84],
    ["2+2", 4],
    ["2 ^ 3 ^ 2", 512],
    ["-3 + 10 / 4", -0.5],
    ["1.5 * 2", 3],
  ])("evaluates %s to %d", (expression, value) => {
    expect(evaluateExpression(expression)).toBe(value);
  });

  it.each(["1 / 0", "2 +", "(1 + 2", "1 + x", "9".repeat(201)])("refuses %s", (expression) => {
    expect(() => evaluateExpression(expression)).toThrow();
  });

  it("never evaluates code", () => {
    expect(() => calculator.run({ expression: "globalThis.constructor" })).toThrow();
  });
});

describe("word_count", () => {
  it("counts words and characters, unicode included", () => {
    expect(countWords("  héllo  wörld 👋 ")).toEqual({ words: 3, characters: 17 });
    expect(() => wordCount.run({ text: 42 })).toThrow();
  });
});

describe("demo agent", () => {
  it("finds the arithmetic in a question", () => {
    expect(findExpression("what is 12 * (3 + 4)?")).toBe("12 * (3 + 4)");
    expect(findExpression("what is 2+2")).toBe("2+2");
    expect(findExpression("I have 3 cats")).toBeNull();
  });

  it("streams a complete run: thinking, one tool pair, partials ending complete, a report", async () => {
    const { events, publish } = recorder();
    const outcome = await runAgent(
      demoAgent,
      { content: "what is 12 * (3 + 4)?", threadId: "t" },
      [calculator, wordCount],
      "run-1",
      publish,
    );
    expect(outcome.result).toBe("12 * (3 + 4) = 84");
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("agent_started");
    expect(types.filter((type) => type === "agent_thinking").length).toBeGreaterThanOrEqual(1);
    const executing = events.find((event) => event.type === "tool_executing");
    const completed = events.find((event) => event.type === "tool_completed");
    expect(executing?.payload.call_id).toBe(completed?.payload.call_id);
    expect(completed?.payload.output).toEqual({ expression: "12 * (3 + 4)", value: 84 });
    const partials = events.filter((event) => event.type === "partial_result");
    expect(partials.at(-1)?.payload.is_complete).toBe(true);
    expect(partials.slice(0, -1).every((event) => event.payload.is_complete === false)).toBe(true);
    expect(partials.map((event) => event.payload.content).join("")).toBe(outcome.result);
    expect(types.at(-1)).toBe("final_report");
  });

  it("reports a tool error in the tool_completed event and still completes", async () => {
    const { events, publish } = recorder();
    const outcome = await runAgent(demoAgent, { content: "what is 1/0", threadId: "t" }, [calculator, wordCount], "run-2", publish);
    expect(events.find((event) => event.type === "tool_completed")?.payload.error).toBe("division by zero");
    expect(outcome.result).toContain("could not evaluate");
  });
});

describe("the run contract", () => {
  const agentOf = (steps: AgentStep[]): Agent => ({
    name: "scripted",
    async *run() {
      yield* steps;
    },
  });

  it("closes an open partial stream with is_complete before the run ends", async () => {
    const { events, publish } = recorder();
    await runAgent(
      agentOf([
        { kind: "thinking", thought: "t" },
        { kind: "partial", content: "half", isComplete: false },
        { kind: "result", result: "half" },
      ]),
      { content: "x", threadId: "t" },
      [],
      "run-3",
      publish,
    );
    expect(events.filter((event) => event.type === "partial_result").at(-1)?.payload.is_complete).toBe(true);
  });

  it("fails a run whose agent ends without a result or never thinks", async () => {
    const { publish } = recorder();
    await expect(
      runAgent(agentOf([{ kind: "thinking", thought: "t" }]), { content: "x", threadId: "t" }, [], "r", publish),
    ).rejects.toBeInstanceOf(AgentContractError);
    await expect(
      runAgent(agentOf([{ kind: "result", result: "r" }]), { content: "x", threadId: "t" }, [], "r", publish),
    ).rejects.toBeInstanceOf(AgentContractError);
  });
});
