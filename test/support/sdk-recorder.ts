import { isFrameOf, type ConnectionState, type ServerFrame, type ServerFrameType } from "../../client/index.js";
import { Waiter } from "./waiter.js";

/**
 * Records what the SDK reports — frames, state changes, resync notices — and lets a test await
 * the moment something arrives (events, not sleeps). Runs in Node and in workerd alike.
 */
export class SdkRecorder {
  readonly frames: ServerFrame[] = [];
  readonly states: Array<{ state: ConnectionState; code?: number; reason?: string }> = [];
  readonly resyncs: Array<{ lastSeq: number; serverLastSeq: number }> = [];
  private readonly waiter: Waiter;

  constructor(timeoutMs = 30_000) {
    this.waiter = new Waiter(timeoutMs, () => `states ${JSON.stringify(this.states)}, frames ${this.frames.map((f) => f.type).join(",")}`);
  }

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
    this.waiter.wake();
  }

  /** Resolves once `check` holds, re-checking whenever something is recorded. */
  until<T>(what: string, check: () => T | undefined | false): Promise<T> {
    return this.waiter.until(what, check);
  }

  frame<T extends ServerFrameType>(type: T, replyTo?: string): Promise<Extract<ServerFrame, { type: T }>> {
    return this.until(`${type}${replyTo ? ` for ${replyTo}` : ""}`, () =>
      this.frames.find(
        (frame): frame is Extract<ServerFrame, { type: T }> =>
          isFrameOf(frame, type) && (replyTo === undefined || frame.reply_to === replyTo),
      ),
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

export { expectCompleteRun } from "./frames.js";

/** Sequence numbers arrive once each and without a gap. */
export function expectContiguous(seqs: number[]): void {
  for (let index = 1; index < seqs.length; index += 1) {
    if (seqs[index] !== (seqs[index - 1] ?? 0) + 1) throw new Error(`seq not contiguous at ${index}: ${seqs.join(",")}`);
  }
}
