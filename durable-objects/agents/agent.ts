/**
 * @module
 * What an agent is: given the user's message and a toolbox, it produces a stream of steps. The
 * runner (run-agent.ts) turns those steps into protocol events with ids, timing and order.
 */

export interface AgentInput {
  content: string;
  threadId: string;
}

export type AgentStep =
  | { kind: "thinking"; thought: string; stepNumber?: number; totalSteps?: number }
  | { kind: "partial"; content: string; isComplete: boolean }
  | { kind: "report"; report: unknown }
  | { kind: "result"; result: string; metrics?: Record<string, number> };

/** Calling a tool through the toolbox is what emits `tool_executing` and `tool_completed`. */
export interface Toolbox {
  call(toolName: string, input: unknown): Promise<ToolOutcome>;
}

export type ToolOutcome = { ok: true; output: unknown } | { ok: false; error: string };

export interface Tool {
  name: string;
  description: string;
  run(input: unknown): unknown;
}

export interface Agent {
  name: string;
  /** Must yield exactly one `result` step, last. */
  run(input: AgentInput, tools: Toolbox): AsyncIterable<AgentStep>;
}
