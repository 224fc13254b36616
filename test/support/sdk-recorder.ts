import type { ConnectionState, ServerFrame } from "../../client/index.js";

/**
 * Records what the SDK reports — frames, state changes, resync notices — and lets a test await
 * the moment something arrives (events, not sleeps). Runs in Node and in workerd alike.
 */
export class SdkRecorder {
  readonly frames: ServerFrame[] = [];
  readonly states: Array<{ state: ConnectionState; code?: number; reason?: string }> = [];
  readonly resyncs: Array<{ lastSeq: number; serverLastSeq: number }> = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly timeoutMs = 30_000) {}

  /** Handlers to spread into `connect({...})`. */
  get handlers() {
    return {
      onEvent: (frame: ServerFrame) => this.push(() => this.frames.push(frame)),
      onStateChange: (state: ConnectionState, detail: { code?: number; reason?: string }) =>
        this.push(() => this.states.push({ state, ...detail })),
      onResyncNeeded: (detail: { lastSeq: number; serverLastSeq: number }) => this.push(() => this.resyncs.push(detail)),
    };
  }

  private push(record: () => void): void {
    record();
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once `check` holds, re-checking whenever something is recorded. */
  async until<T>(what: string, check: () => T | undefined | false): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(
          `timed out waiting for ${what}; states ${JSON.stringify(this.states)}, frames ${this.frames.map((f) => f.type).join(",")}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  frame(type: string, replyTo?: string): Promise<ServerFrame> {
    return this.until(`${type}${replyTo ? ` for ${replyTo}` : ""}`, () =>
      this.frames.find((f) => f.type === type && (replyTo === undefined || f.reply_to === replyTo)),
    );
  }

  /** The n-th time (1-based) the connection entered `state`. */
  state(state: ConnectionState, nth = 1) {
    return this.until(`state ${state} #${nth}`, () => this.states.filter((entry) => entry.state === state)[nth - 1]);
  }

  /** The sequenced frames of one message's run, in arrival order. */
  runOf(replyTo: string): ServerFrame[] {
    return this.frames.filter((frame) => frame.reply_to === replyTo && frame.seq !== undefined);
  }

  /** Every `seq` received, in arrival order. */
  get seqs(): number[] {
    return this.frames.flatMap((frame) => (frame.seq === undefined ? [] : [frame.seq]));
  }
}

/** DESIGN.md's completeness rule for one run: ack, started, thinking, tool pairs, partials, one completion last. */
export function expectCompleteRun(run: ServerFrame[]): void {
  const types = run.map((frame) => frame.type);
  const problems: string[] = [];
  if (types[0] !== "ack") problems.push("does not start with ack");
  if (types[1] !== "agent_started") problems.push("agent_started is not second");
  if (!types.includes("agent_thinking")) problems.push("no agent_thinking");
  if (types.filter((type) => type === "agent_completed").length !== 1 || types.at(-1) !== "agent_completed")
    problems.push("agent_completed is not once and last");
  const partials = run.filter((frame) => frame.type === "partial_result");
  if (partials.length === 0 || (partials.at(-1)?.payload as { is_complete?: boolean }).is_complete !== true)
    problems.push("partials do not end complete");
  const calls = (type: string) =>
    run.filter((frame) => frame.type === type).map((frame) => (frame.payload as { call_id?: string }).call_id);
  if (JSON.stringify(calls("tool_executing")) !== JSON.stringify(calls("tool_completed"))) problems.push("tool calls unpaired");
  if (problems.length > 0) throw new Error(`incomplete run (${problems.join("; ")}): ${types.join(", ")}`);
}

/** Sequence numbers arrive once each and without a gap. */
export function expectContiguous(seqs: number[]): void {
  for (let index = 1; index < seqs.length; index += 1) {
    if (seqs[index] !== (seqs[index - 1] ?? 0) + 1) throw new Error(`seq not contiguous at ${index}: ${seqs.join(",")}`);
  }
}
