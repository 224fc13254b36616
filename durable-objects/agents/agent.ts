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
  | { type: "tool_error"; callId: string; error: string; /** Why, for a denied call: the person's words. */ reason?: string }
  /**
   * A tool call that needs a person's yes (docs/tools.md, "Tools that ask first"): the run waits
   * once the agent's generator has ended. `state` (JSON) is what the agent needs to go on; it gets
   * it back in `resume`. `run.tools.call` yields this for a tool with `needsApproval` by itself.
   */
  | { type: "approval_request"; callId: string; toolName: string; input: unknown; state?: unknown }
  | { type: "text"; delta: string }
  | { type: "report"; report: unknown }
  | { type: "finish"; result?: string; metrics?: Record<string, number> };

export interface Agent<Env = AgentEnv> {
  /** Shown to clients as `agent_name` and stored with each run. */
  readonly name: string;
  run(run: AgentRun<Env>): AsyncIterable<AgentEvent>;
  /**
   * Goes on with a run that waited for approval, once every call it asked about is answered —
   * possibly an hour later, in a new instance of the session object. `run.tools.call` with the same
   * tool and input now runs the approved call (or reports the denial) without asking again.
   * Without `resume`, Tether runs (or denies) the calls itself and the run ends there.
   */
  resume?(run: AgentRun<Env>, approvals: ApprovalResumption): AsyncIterable<AgentEvent>;
}

/** A person's answer to one approval request. */
export interface ApprovalDecision {
  callId: string;
  toolName: string;
  input: unknown;
  approved: boolean;
  reason?: string;
}

/** What `resume` gets: the answers, in the order asked, and the `state` the agent gave with its requests. */
export interface ApprovalResumption {
  decisions: readonly ApprovalDecision[];
  state: unknown;
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
  /**
   * Whether a call needs a person's yes before it runs (`tool_approval_requested`): always, or
   * decided from the call's input (checked against `inputSchema` first). Default: never.
   */
  readonly needsApproval?: boolean | ((input: unknown) => boolean | Promise<boolean>);
  /** Runs with input already checked against `inputSchema`. */
  run(input: unknown, options: { signal: AbortSignal }): unknown;
}

/** A tool whose `run` (and `needsApproval`) gets its input typed by its schema. */
export function defineTool<Schema extends z.ZodType>(tool: {
  name: string;
  description: string;
  inputSchema: Schema;
  needsApproval?: boolean | ((input: z.infer<Schema>) => boolean | Promise<boolean>);
  run(input: z.infer<Schema>, options: { signal: AbortSignal }): unknown;
}): Tool {
  const { needsApproval } = tool;
  return {
    ...tool,
    needsApproval: typeof needsApproval === "function" ? (input) => needsApproval(tool.inputSchema.parse(input)) : needsApproval,
    run: (input, options) => tool.run(tool.inputSchema.parse(input), options),
  };
}

export type ToolOutcome = { ok: true; output: unknown } | { ok: false; error: string };

/**
 * Thrown by `run.tools.call` after it asked for approval: the run waits, and goes on in the agent's
 * `resume`. An agent that catches errors around a tool call must rethrow this one.
 */
export class ApprovalPending extends Error {
  constructor(readonly callId: string) {
    super("The tool call waits for approval.");
    this.name = "ApprovalPending";
  }
}

/** The run's tools. */
export interface Toolbox {
  readonly tools: readonly Tool[];
  /**
   * Runs a tool and yields its `tool_call` and `tool_result`/`tool_error` events around it; its
   * return value is the outcome: `const outcome = yield* run.tools.call("calculator", {expression})`.
   * For a call that needs approval it yields `approval_request` and throws {@link ApprovalPending},
   * which ends the generator (let it through); in `resume` the answered call runs, or returns
   * `{ok: false, error: "denied"}`.
   */
  call(toolName: string, input: unknown): AsyncGenerator<AgentEvent, ToolOutcome>;
  /**
   * Runs a tool without events: for a framework (the AI SDK) that reports the call itself. The
   * input is checked against the tool's schema; a failure is an outcome, never a throw.
   */
  execute(toolName: string, input: unknown): Promise<ToolOutcome>;
}
