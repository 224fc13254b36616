/**
 * @module
 * The runs of a connection as a UI shows them: each user message with its agent run — status,
 * the answer as it streams, the events so far. Framework-free: the React hook renders from it,
 * and any other UI can subscribe. Snapshots are immutable, so a change is a new array.
 */
import type { ServerFrame } from "@tether/protocol";

export type RunStatus = "sending" | "waiting" | "running" | "completed" | "cancelled" | "failed";

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
}

/** How many runs a log keeps: the oldest go first. */
const MAX_RUNS = 100;

export class RunLog {
  private runs: readonly TetherRun[] = [];
  private readonly subscribers = new Set<() => void>();

  /** The runs, oldest first; the same array until something changes. */
  readonly snapshot = (): readonly TetherRun[] => this.runs;

  readonly subscribe = (onChange: () => void): (() => void) => {
    this.subscribers.add(onChange);
    return () => this.subscribers.delete(onChange);
  };

  /** A message the app just sent. */
  sent(messageId: string, content: string, threadId: string | null): void {
    const run: TetherRun = { messageId, content, threadId, runId: null, status: "sending", text: "", events: [], error: null };
    this.commit([...this.runs, run].slice(-MAX_RUNS));
  }

  /** A frame from the connection; those that belong to a run update it. */
  apply(frame: ServerFrame): void {
    const messageId = frame.reply_to;
    const index = messageId === undefined ? -1 : this.runs.findIndex((run) => run.messageId === messageId);
    const run = this.runs[index];
    if (!run) return;
    const updated = { ...run, events: [...run.events, frame], ...changes(run, frame) };
    this.commit(this.runs.map((existing, position) => (position === index ? updated : existing)));
  }

  private commit(runs: readonly TetherRun[]): void {
    this.runs = runs;
    for (const subscriber of this.subscribers) subscriber();
  }
}

/** What one frame changes about its run. */
function changes(run: TetherRun, frame: ServerFrame): Partial<TetherRun> {
  switch (frame.type) {
    case "ack":
      return { threadId: frame.payload.thread_id, status: run.status === "sending" ? "waiting" : run.status };
    case "agent_started":
      return { runId: frame.payload.run_id, status: "running" };
    case "partial_result":
      return { text: run.text + frame.payload.content };
    case "agent_completed":
      return { text: frame.payload.result, status: frame.payload.status };
    case "error":
      return { status: "failed", error: frame.payload.message };
    default:
      return {};
  }
}
