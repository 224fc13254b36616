import type { ServerFrameType, ServerPayloads } from "../../workers/shared/protocol.js";
import type { Agent, AgentInput, Tool, ToolOutcome, Toolbox } from "./agent.js";

/** Sends one event of this run on the session's shared stream. */
export type RunPublisher = <T extends ServerFrameType>(type: T, payload: ServerPayloads[T]) => void;

export interface RunOutcome {
  result: string;
  durationMs: number;
  metrics: Record<string, number>;
}

/** Thrown when an agent breaks its contract; the run fails instead of streaming a broken sequence. */
export class AgentContractError extends Error {}

const now = () => new Date().toISOString();

/**
 * Runs an agent and turns its steps into protocol events, in order: agent_started, the agent's
 * thinking, matched tool_executing/tool_completed pairs, partial_result chunks ending with
 * `is_complete: true`, and final_report. The caller stores the outcome and then sends
 * agent_completed, so the last event is only sent once the run is durable.
 */
export async function runAgent(
  agent: Agent,
  input: AgentInput,
  tools: readonly Tool[],
  runId: string,
  publish: RunPublisher,
): Promise<RunOutcome> {
  const startedAt = Date.now();
  const agentName = agent.name;
  let toolCalls = 0;
  const toolbox: Toolbox = {
    async call(toolName: string, toolInput: unknown): Promise<ToolOutcome> {
      const callId = crypto.randomUUID();
      toolCalls += 1;
      publish("tool_executing", {
        run_id: runId,
        agent_name: agentName,
        tool_name: toolName,
        call_id: callId,
        input: toolInput,
        timestamp: now(),
      });
      const callStartedAt = Date.now();
      const tool = tools.find((candidate) => candidate.name === toolName);
      let outcome: ToolOutcome;
      try {
        if (!tool) throw new Error(`no tool named ${toolName}`);
        outcome = { ok: true, output: await tool.run(toolInput) };
      } catch (error) {
        outcome = { ok: false, error: error instanceof Error ? error.message : "tool failed" };
      }
      const base = { run_id: runId, agent_name: agentName, tool_name: toolName, call_id: callId, duration_ms: Date.now() - callStartedAt };
      publish("tool_completed", outcome.ok ? { ...base, output: outcome.output } : { ...base, error: outcome.error });
      return outcome;
    },
  };

  publish("agent_started", { run_id: runId, agent_name: agentName, timestamp: now() });
  let thoughts = 0;
  let partialOpen = false;
  let partials = 0;
  let result: string | null = null;
  let metrics: Record<string, number> = {};
  for await (const step of agent.run(input, toolbox)) {
    if (result !== null) throw new AgentContractError("the agent yielded after its result");
    switch (step.kind) {
      case "thinking":
        thoughts += 1;
        publish("agent_thinking", {
          run_id: runId,
          agent_name: agentName,
          thought: step.thought,
          ...(step.stepNumber === undefined ? {} : { step_number: step.stepNumber }),
          ...(step.totalSteps === undefined ? {} : { total_steps: step.totalSteps }),
        });
        break;
      case "partial":
        partials += 1;
        partialOpen = !step.isComplete;
        publish("partial_result", { run_id: runId, agent_name: agentName, content: step.content, is_complete: step.isComplete });
        break;
      case "report":
        if (partialOpen) {
          publish("partial_result", { run_id: runId, agent_name: agentName, content: "", is_complete: true });
          partialOpen = false;
        }
        publish("final_report", { run_id: runId, report: step.report, total_duration_ms: Date.now() - startedAt });
        break;
      case "result":
        result = step.result;
        metrics = step.metrics ?? {};
        break;
    }
  }
  if (result === null) throw new AgentContractError("the agent ended without a result");
  if (thoughts === 0) throw new AgentContractError("the agent never thought");
  // The contract promises at least one partial_result and that the last one is complete.
  if (partials === 0 || partialOpen) {
    publish("partial_result", { run_id: runId, agent_name: agentName, content: partials === 0 ? result : "", is_complete: true });
  }
  return { result, durationMs: Date.now() - startedAt, metrics: { ...metrics, tool_calls: toolCalls, thoughts } };
}
