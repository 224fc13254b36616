/**
 * @module
 * Runs an agent and turns its events into the run's frames, holding it to the protocol's contract
 * (docs/protocol.md, WebSocket): `agent_started` first; at least one `agent_thinking` (one is
 * supplied if the agent starts with anything else); `tool_executing`/`tool_completed` pairs with
 * matching `call_id`; text as `partial_result`s, the last with `is_complete: true`; the report as
 * `final_report`. The caller stores the outcome and then sends `agent_completed`, so the last event
 * goes out only once the run is durable.
 *
 * When the run's signal fires (cancel, deadline) the run ends at once: tool calls still open are
 * closed with the error "cancelled", nothing more of the agent's is sent, and its generator is
 * abandoned rather than awaited — an agent stuck in a call that ignores the signal cannot hold the
 * session up.
 *
 * A run whose agent asked for approval (`approval_request`) ends *waiting*: the caller stores what
 * it asked and the run's progress, and once answered runs it again with `resumption` — no second
 * `agent_started`, the text and counts going on from where they were.
 */
import type { ServerFrameType, ServerPayloads } from "@tether/protocol";
import {
  ApprovalPending,
  type Agent,
  type AgentEvent,
  type AgentRun,
  type ApprovalResumption,
  type HistoryMessage,
  type Toolbox,
} from "./agent.js";

/** Sends one event of this run on the session's shared stream. */
export type RunPublisher = <T extends ServerFrameType>(type: T, payload: ServerPayloads[T]) => void;

/**
 * Why a run was cut short: the user's `cancel_run`, the session's revocation,
 * `AGENT_RUN_TIMEOUT_SECONDS`, or an approval nobody gave within `AGENT_APPROVAL_TIMEOUT_SECONDS`.
 */
export type CancelReason = "cancel_run" | "session_revoked" | "deadline" | "approval_expired";

/** A tool call the agent asked a person about. */
export interface ApprovalRequest {
  callId: string;
  toolName: string;
  input: unknown;
}

/** How far a run had got when it stopped to wait: the next segment goes on from here. JSON. */
export interface RunProgress {
  startedAt: number;
  text: string;
  thoughts: number;
  toolCalls: number;
  partials: number;
}

export type RunOutcome =
  | { status: "completed"; result: string; durationMs: number; metrics: Record<string, number> }
  | { status: "cancelled"; reason: CancelReason; result: string; durationMs: number; metrics: Record<string, number> }
  | { status: "awaiting_approval"; requests: ApprovalRequest[]; state: unknown; progress: RunProgress };

/** Thrown when an agent breaks its contract; the run fails instead of streaming a broken sequence. */
export class AgentContractError extends Error {}

export interface RunRequest<Env> extends Omit<AgentRun<Env>, "history"> {
  agent: Agent<Env>;
  /** For a run that waited for approval: where it was, and the answers. */
  resumption?: { progress: RunProgress; approvals: ApprovalResumption };
  /** Read after `agent_started` is out, so a slow read never delays it. */
  history: () => Promise<HistoryMessage[]>;
  publish: RunPublisher;
}

const STARTING_THOUGHT = "Working on it.";

/** Resolves when `signal` fires (at once if it has). */
function whenAborted(signal: AbortSignal): Promise<"aborted"> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
}

export function cancelReason(signal: AbortSignal): CancelReason {
  return signal.reason === "cancel_run" || signal.reason === "session_revoked" ? signal.reason : "deadline";
}

export async function runAgent<Env>(request: RunRequest<Env>): Promise<RunOutcome> {
  const { agent, publish, history: readHistory, resumption, ...run } = request;
  const { runId, signal } = run;
  const aborted = whenAborted(signal);
  const progress = resumption?.progress ?? { startedAt: Date.now(), text: "", thoughts: 0, toolCalls: 0, partials: 0 };
  const stream = new RunStream(runId, agent.name, progress, publish);
  if (!resumption) {
    publish("agent_started", { run_id: runId, agent_name: agent.name, timestamp: new Date(progress.startedAt).toISOString() });
  }

  const history = await Promise.race([readHistory(), aborted]);
  if (history === "aborted") return stream.cancelled(cancelReason(signal));
  const agentRun = { ...run, history };
  const events = (
    !resumption
      ? agent.run(agentRun)
      : agent.resume
        ? agent.resume(agentRun, resumption.approvals)
        : answeredCalls(run.tools, resumption.approvals)
  )[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<AgentEvent> | "aborted";
    try {
      next = await Promise.race([events.next(), aborted]);
    } catch (error) {
      // `run.tools.call` asked for approval: the generator ends there, and the run waits.
      if (!(error instanceof ApprovalPending)) throw error;
      next = { done: true, value: undefined };
    }
    if (next === "aborted" || signal.aborted) {
      // Not awaited: a generator stuck in an await would hold the run up (module comment).
      void events.return?.(undefined)?.catch(() => undefined);
      return stream.cancelled(cancelReason(signal));
    }
    if (next.done) return stream.awaitingApproval() ?? stream.completed();
    stream.apply(next.value);
  }
}

/** An agent without `resume`: Tether makes the answered calls itself (run, or denied), and the run ends. */
export async function* answeredCalls(tools: Toolbox, approvals: ApprovalResumption): AsyncGenerator<AgentEvent> {
  for (const decision of approvals.decisions) yield* tools.call(decision.toolName, decision.input);
}

/** One run's frames as its events arrive, and what the contract still owes at the end. */
class RunStream {
  private thoughts: number;
  private toolCalls: number;
  private readonly openTools = new Map<string, { toolName: string; startedAt: number }>();
  private text: string;
  /** The latest text delta, held back until it is known whether it is the last. */
  private heldText: string | null = null;
  private partials: number;
  private readonly startedAt: number;
  private report: { value: unknown } | null = null;
  private finish: Extract<AgentEvent, { type: "finish" }> | null = null;
  private readonly requests: ApprovalRequest[] = [];
  private state: unknown = null;

  constructor(
    private readonly runId: string,
    private readonly agentName: string,
    progress: RunProgress,
    private readonly publish: RunPublisher,
  ) {
    ({
      startedAt: this.startedAt,
      text: this.text,
      thoughts: this.thoughts,
      toolCalls: this.toolCalls,
      partials: this.partials,
    } = progress);
  }

  apply(event: AgentEvent): void {
    if (this.finish) throw new AgentContractError(`the agent yielded ${event.type} after finish`);
    if (event.type !== "thinking") this.ensureThought();
    const base = { run_id: this.runId, agent_name: this.agentName };
    switch (event.type) {
      case "thinking":
        this.thoughts += 1;
        this.publish("agent_thinking", {
          ...base,
          thought: event.thought,
          ...(event.step === undefined ? {} : { step_number: event.step }),
          ...(event.totalSteps === undefined ? {} : { total_steps: event.totalSteps }),
        });
        return;
      case "tool_call":
        if (this.openTools.has(event.callId)) throw new AgentContractError(`tool call ${event.callId} started twice`);
        this.flushText(false);
        this.toolCalls += 1;
        this.openTools.set(event.callId, { toolName: event.toolName, startedAt: Date.now() });
        this.publish("tool_executing", {
          ...base,
          tool_name: event.toolName,
          call_id: event.callId,
          input: event.input,
          timestamp: new Date().toISOString(),
        });
        return;
      case "tool_result":
        this.completeTool(event.callId, { output: event.output });
        return;
      case "tool_error":
        this.completeTool(event.callId, { error: event.error, ...(event.reason === undefined ? {} : { reason: event.reason }) });
        return;
      case "approval_request":
        if (this.openTools.has(event.callId) || this.requests.some((request) => request.callId === event.callId)) {
          throw new AgentContractError(`approval asked for tool call ${event.callId}, which is running or asked already`);
        }
        this.requests.push({ callId: event.callId, toolName: event.toolName, input: event.input });
        if (event.state !== undefined) this.state = event.state;
        return;
      case "text":
        if (event.delta.length === 0) return;
        this.flushText(false);
        this.heldText = event.delta;
        this.text += event.delta;
        return;
      case "report":
        this.report = { value: event.report };
        return;
      case "finish":
        this.finish = event;
        return;
    }
  }

  completed(): RunOutcome {
    const open = [...this.openTools.keys()];
    if (open.length > 0) throw new AgentContractError(`tool call ${open.join(", ")} never completed`);
    this.ensureThought();
    const result = this.finish?.result ?? this.text;
    if (this.heldText !== null) this.flushText(true);
    else this.publishPartial(this.partials === 0 ? result : "", true);
    if (this.report) this.publish("final_report", { run_id: this.runId, report: this.report.value, total_duration_ms: this.elapsed() });
    return { status: "completed", result, durationMs: this.elapsed(), metrics: this.metrics() };
  }

  /** When the agent asked for approval: its text so far goes out (not the last), and the run waits. */
  awaitingApproval(): RunOutcome | null {
    if (this.requests.length === 0) return null;
    const open = [...this.openTools.keys()];
    if (open.length > 0) throw new AgentContractError(`tool call ${open.join(", ")} still running when the run waits for approval`);
    if (this.finish) throw new AgentContractError("the agent finished and asked for approval");
    this.flushText(false);
    const progress = {
      startedAt: this.startedAt,
      text: this.text,
      thoughts: this.thoughts,
      toolCalls: this.toolCalls,
      partials: this.partials,
    };
    return { status: "awaiting_approval", requests: this.requests, state: this.state, progress };
  }

  /** Cut short: what was open is closed, what the agent had written is the result. */
  cancelled(reason: CancelReason): RunOutcome {
    for (const callId of [...this.openTools.keys()]) this.completeTool(callId, { error: "cancelled" });
    return { status: "cancelled", reason, result: this.text, durationMs: this.elapsed(), metrics: this.metrics() };
  }

  private completeTool(callId: string, outcome: { output: unknown } | { error: string; reason?: string }): void {
    const call = this.openTools.get(callId);
    if (!call) throw new AgentContractError(`a result for tool call ${callId}, which is not running`);
    this.openTools.delete(callId);
    this.publish("tool_completed", {
      run_id: this.runId,
      agent_name: this.agentName,
      tool_name: call.toolName,
      call_id: callId,
      ...outcome,
      duration_ms: Date.now() - call.startedAt,
    });
  }

  private ensureThought(): void {
    if (this.thoughts > 0) return;
    this.thoughts = 1;
    this.publish("agent_thinking", { run_id: this.runId, agent_name: this.agentName, thought: STARTING_THOUGHT });
  }

  private flushText(isComplete: boolean): void {
    if (this.heldText === null) return;
    const content = this.heldText;
    this.heldText = null;
    this.publishPartial(content, isComplete);
  }

  private publishPartial(content: string, isComplete: boolean): void {
    this.partials += 1;
    this.publish("partial_result", { run_id: this.runId, agent_name: this.agentName, content, is_complete: isComplete });
  }

  private elapsed(): number {
    return Date.now() - this.startedAt;
  }

  private metrics(): Record<string, number> {
    return { ...this.finish?.metrics, tool_calls: this.toolCalls, thoughts: this.thoughts };
  }
}
