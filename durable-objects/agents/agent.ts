/**
 * @module
 * The agent interface: what a team implements to put its own agent behind Tether's sessions
 * (docs/agents.md). An agent is an async generator of {@link AgentEvent}s; the
 * runner (runner.ts) turns them into protocol frames, numbers them, logs them for resume, and
 * holds every run to the protocol's contract — whatever the agent does, a client sees
 * `agent_started`, at least one `agent_thinking`, matched tool pairs, `partial_result`s ending
 * with `is_complete: true`, and one `agent_completed` (or an `error`).
 *
 * Which agent serves is configuration: `AGENT` names one of the app's agents (agent-catalog.ts).
 */
import type { z } from "zod";

/** One earlier message of the thread, as the agent sees it. */
export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
  /** ISO 8601. */
  createdAt: string;
}

/** Who the run is for, as their access token says. */
export interface AgentUser {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
}

/**
 * What one run gets. `signal` fires when the user cancels (`cancel_run`) or the run's deadline
 * (`AGENT_RUN_TIMEOUT_SECONDS`) passes: pass it to every model call and fetch. Events yielded
 * after it fired are dropped, and a generator that ignores it is abandoned, not waited for.
 */
export interface AgentRun<Env = AgentEnv> {
  runId: string;
  threadId: string;
  /** The user's message that started the run. */
  message: { id: string; content: string };
  /** The thread's earlier messages, oldest first: at most `AGENT_HISTORY_MESSAGES` of them. */
  history: readonly HistoryMessage[];
  user: AgentUser;
  tools: Toolbox;
  /** The backend's bindings and vars (`AI`, `WORKERS_AI_MODEL`, your own secrets…). */
  env: Env;
  signal: AbortSignal;
}

/**
 * What an agent yields. Thoughts become `agent_thinking`; `tool_call` and its `tool_result` (or
 * `tool_error`) become `tool_executing` and `tool_completed`; text deltas stream as
 * `partial_result`; a report becomes `final_report`; `finish` may set the result (by default, all
 * the text) and add metrics to `agent_completed`.
 */
export type AgentEvent =
  | { type: "thinking"; thought: string; step?: number; totalSteps?: number }
  | { type: "tool_call"; callId: string; toolName: string; input: unknown }
  | { type: "tool_result"; callId: string; output: unknown }
  | { type: "tool_error"; callId: string; error: string }
  | { type: "text"; delta: string }
  | { type: "report"; report: unknown }
  | { type: "finish"; result?: string; metrics?: Record<string, number> };

export interface Agent<Env = AgentEnv> {
  /** Shown to clients as `agent_name` and stored with each run. */
  readonly name: string;
  run(run: AgentRun<Env>): AsyncIterable<AgentEvent>;
}

/** The environment an agent reads, typed by the agent (`Agent<{ OPENAI_API_KEY: string }>`): the backend's bindings and vars. */
export type AgentEnv = unknown;

/**
 * A tool Tether offers agents: a name, a description and an input schema (which a model adapter
 * passes to the model), and the code. Define one with {@link defineTool}.
 */
export interface Tool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType;
  /** Runs with input already checked against `inputSchema`. */
  run(input: unknown, options: { signal: AbortSignal }): unknown;
}

/** A tool whose `run` gets its input typed by its schema. */
export function defineTool<Schema extends z.ZodType>(tool: {
  name: string;
  description: string;
  inputSchema: Schema;
  run(input: z.infer<Schema>, options: { signal: AbortSignal }): unknown;
}): Tool {
  return { ...tool, run: (input, options) => tool.run(tool.inputSchema.parse(input), options) };
}

export type ToolOutcome = { ok: true; output: unknown } | { ok: false; error: string };

/** The run's tools. */
export interface Toolbox {
  readonly tools: readonly Tool[];
  /**
   * Runs a tool and yields its `tool_call` and `tool_result`/`tool_error` events around it; its
   * return value is the outcome: `const outcome = yield* run.tools.call("calculator", {expression})`.
   */
  call(toolName: string, input: unknown): AsyncGenerator<AgentEvent, ToolOutcome>;
  /**
   * Runs a tool without events: for a framework (the AI SDK) that reports the call itself. The
   * input is checked against the tool's schema; a failure is an outcome, never a throw.
   */
  execute(toolName: string, input: unknown): Promise<ToolOutcome>;
}
