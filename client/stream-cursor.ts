/**
 * @module
 * Where a connection is in its session's numbered stream: the last `seq` delivered (what a
 * reconnect resumes after), which frames are new, and whether a resume's replay is still arriving.
 */
import type { ServerFrame } from "@tether/protocol";

export class StreamCursor {
  /** While a resume replays, new frames of ours wait until the stream reaches this `seq`. */
  private replayUntil: number | null = null;

  constructor(private seq: number | null) {}

  get lastSeq(): number | null {
    return this.seq;
  }

  /** A new socket is about to be opened: any replay of the old one is over. */
  reset(): void {
    this.replayUntil = null;
  }

  /**
   * A socket's `connection_established`. Returns what was lost when the server's log no longer
   * reaches back to our `seq` (the app refetches history); otherwise the replay fills the gap.
   */
  welcome(payload: { resumed_from: number | null; last_seq: number }): { lastSeq: number; serverLastSeq: number } | null {
    const serverLastSeq = payload.last_seq;
    if (this.seq === null) this.seq = serverLastSeq;
    else if (payload.resumed_from === null) {
      const lost = { lastSeq: this.seq, serverLastSeq };
      this.seq = serverLastSeq;
      return lost;
    } else if (serverLastSeq > this.seq) this.replayUntil = serverLastSeq;
    return null;
  }

  /** Whether to deliver `frame`: unsequenced frames always; a sequenced one once, in order. */
  accept(frame: ServerFrame): boolean {
    if (frame.seq === undefined) return true;
    // Seen already (a replay overlapping what arrived live): drop it, once and for all.
    if (this.seq !== null && frame.seq <= this.seq) return false;
    this.seq = frame.seq;
    if (this.replayUntil !== null && this.seq >= this.replayUntil) this.replayUntil = null;
    return true;
  }

  /** The replay of what was missed is still arriving: send nothing new before it has. */
  get replaying(): boolean {
    return this.replayUntil !== null;
  }
}
