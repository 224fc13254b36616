/**
 * @module
 * The runs of a connection as a UI shows them: each user message with its agent run — status,
 * the answer as it streams, the events so far. Framework-free: the React hook renders from it,
 * and any other UI can subscribe. Snapshots are immutable, so a change is a new array — but one
 * is built only when asked for: a frame appends to its run and bumps `version`, nothing more, so a
 * long run streaming thousands of chunks costs no copy per chunk.
 */
import type { ServerFrame } from "@tether/protocol";

export type RunStatus = "sending" | "waiting" | "running" | "awaiting_approval" | "completed" | "cancelled" | "failed";

/** A tool call the run asked the user about, not answered yet: answer with `approve(approvalId, …)`. */
export interface PendingApproval {
  approvalId: string;
  /** The user message whose run asked (`reply_to`). */
  messageId: string | null;
  runId: string;
  callId: string;
  toolName: string;
  input: unknown;
  threadId: string | null;
}

export interface TetherRun {
  /** The user message's id (the `reply_to` of every event of its run). */
  messageId: string;
  content: string;
  threadId: string | null;
  /** Known from `agent_started`; what `cancel(runId)` takes. */
  runId: string | null;
  status: RunStatus;
  /** The answer so far (partial results), or the final result. */
  text: string;
  /** The run's events, in order. */
  events: readonly ServerFrame[];
  /** The `error` frame's message when the run failed or the message was refused. */
  error: string | null;
  /** Its tool calls that wait for the user's yes (status `awaiting_approval` while there are any). */
  approvals: readonly PendingApproval[];
}

/** How many runs a log keeps: the oldest go first. */
const MAX_RUNS = 100;

/** A run as the log keeps it: changed in place, its events only ever appended to. */
interface RunRecord extends Omit<TetherRun, "events"> {
  readonly frames: ServerFrame[];
  /** The run as the last snapshot showed it; null once something has changed since. */
  view: TetherRun | null;
}

export class RunLog {
  private readonly records: RunRecord[] = [];
  private readonly byMessageId = new Map<string, RunRecord>();
  private readonly subscribers = new Set<() => void>();
  private changes = 0;
  private latest: readonly TetherRun[] | null = null;

  /** Counts the changes so far: a cheap way to tell whether a snapshot taken earlier is still current. */
  get version(): number {
    return this.changes;
  }

  /**
   * The runs, oldest first: the same array until something changes, and a run unchanged since the
   * last snapshot is the same object in the next. Built when asked for, not on every frame: a
   * frame only appends to its run.
   */
  readonly snapshot = (): readonly TetherRun[] => {
    this.latest ??= Object.freeze(this.records.map((record) => (record.view ??= viewOf(record))));
    return this.latest;
  };

  readonly subscribe = (onChange: () => void): (() => void) => {
    this.subscribers.add(onChange);
    return () => this.subscribers.delete(onChange);
  };

  /** A message the app just sent. */
  sent(messageId: string, content: string, threadId: string | null): void {
    const record: RunRecord = {
      messageId,
      content,
      threadId,
      runId: null,
      status: "sending",
      text: "",
      error: null,
      approvals: [],
      frames: [],
      view: null,
    };
    this.records.push(record);
    this.byMessageId.set(messageId, record);
    const dropped = this.records.length > MAX_RUNS ? this.records.shift() : undefined;
    if (dropped && this.byMessageId.get(dropped.messageId) === dropped) this.byMessageId.delete(dropped.messageId);
    this.changed();
  }

  /** A frame from the connection; those that belong to a run update it. */
  apply(frame: ServerFrame): void {
    const record = frame.reply_to === undefined ? undefined : this.byMessageId.get(frame.reply_to);
    if (!record) return;
    record.frames.push(frame);
    Object.assign(record, changes(record, frame));
    record.view = null;
    this.changed();
  }

  private changed(): void {
    this.changes += 1;
    this.latest = null;
    for (const subscriber of this.subscribers) subscriber();
  }
}

/**
 * The run as of now, frozen. Its `events` are copied only if read, and then once: the record's
 * array keeps growing, and a snapshot must keep showing the events it was taken with.
 */
function viewOf(record: RunRecord): TetherRun {
  const { frames, view: _view, ...fields } = record;
  const count = frames.length;
  let events: readonly ServerFrame[] | undefined;
  return Object.freeze({
    ...fields,
    get events() {
      events ??= Object.freeze(frames.slice(0, count));
      return events;
    },
  });
}

export function pendingApproval(frame: Extract<ServerFrame, { type: "tool_approval_requested" }>): PendingApproval {
  const { approval_id: approvalId, run_id: runId, call_id: callId, tool_name: toolName, input } = frame.payload;
  return { approvalId, messageId: frame.reply_to ?? null, runId, callId, toolName, input, threadId: frame.thread_id ?? null };
}

/** What one frame changes about its run. */
function changes(run: RunRecord, frame: ServerFrame): Partial<Omit<TetherRun, "events">> {
  switch (frame.type) {
    case "ack":
      return { threadId: frame.payload.thread_id, status: run.status === "sending" ? "waiting" : run.status };
    case "agent_started":
      return { runId: frame.payload.run_id, status: "running" };
    case "tool_approval_requested":
      return { approvals: [...run.approvals, pendingApproval(frame)], status: "awaiting_approval" };
    case "tool_executing": {
      // The call was answered (from this tab or another): it runs, or is reported denied.
      const approvals = run.approvals.filter((approval) => approval.callId !== frame.payload.call_id);
      return approvals.length === run.approvals.length ? {} : { approvals, status: approvals.length > 0 ? run.status : "running" };
    }
    case "partial_result":
      return { text: run.text + frame.payload.content };
    case "agent_completed":
      return { text: frame.payload.result, status: frame.payload.status, approvals: [] };
    case "error":
      return { status: "failed", error: frame.payload.message, approvals: [] };
    default:
      return {};
  }
}
