/**
 * @module
 * The toolbox a run gets: Tether's tools, run with their input checked against their schemas,
 * with or without the events that report the call.
 */
import type { AgentEvent, Tool, ToolOutcome, Toolbox } from "./agent.js";

function describeError(error: unknown): string {
  if (error instanceof Error && error.name === "ZodError") return "the input does not match the tool's schema";
  return error instanceof Error ? error.message : "the tool failed";
}

export function toolbox(tools: readonly Tool[], signal: AbortSignal): Toolbox {
  const execute = async (toolName: string, input: unknown): Promise<ToolOutcome> => {
    const tool = tools.find((candidate) => candidate.name === toolName);
    if (!tool) return { ok: false, error: `no tool named ${toolName}` };
    try {
      return { ok: true, output: await tool.run(input, { signal }) };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  };
  return {
    tools,
    execute,
    async *call(toolName: string, input: unknown): AsyncGenerator<AgentEvent, ToolOutcome> {
      const callId = crypto.randomUUID();
      yield { type: "tool_call", callId, toolName, input };
      const outcome = await execute(toolName, input);
      yield outcome.ok ? { type: "tool_result", callId, output: outcome.output } : { type: "tool_error", callId, error: outcome.error };
      return outcome;
    },
  };
}
