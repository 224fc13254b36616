/**
 * @module
 * Collects the frames of a WebSocket (Node's global WebSocket, a real client) and lets a test
 * await the next frame of a type or the close — events, not sleeps, each bounded by the one
 * Waiter (../waiter.ts). Frames are the protocol's own types.
 */
import { isFrameOf, type ServerFrame, type ServerFrameType } from "@tether/protocol";
import { Waiter } from "../waiter.js";

export class FrameCollector {
  readonly frames: ServerFrame[] = [];
  private closeEvent: { code: number; reason: string } | null = null;
  private consumed = 0;
  private readonly waiter: Waiter;

  constructor(
    private readonly socket: WebSocket,
    timeoutMs = 10_000,
  ) {
    this.waiter = new Waiter(timeoutMs, () => JSON.stringify(this.frames).slice(0, 2000));
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ServerFrame);
      this.waiter.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.waiter.wake();
    });
    socket.addEventListener("open", () => this.waiter.wake());
  }

  opened(): Promise<void> {
    return this.waiter
      .until("the socket to open", () => {
        if (this.socket.readyState === WebSocket.OPEN) return true;
        if (this.closeEvent) throw new Error(`closed ${this.closeEvent.code} ${this.closeEvent.reason}`);
        return undefined;
      })
      .then(() => undefined);
  }

  /** The next frame of `type` after the last one returned by next(). */
  next<T extends ServerFrameType>(type: T): Promise<Extract<ServerFrame, { type: T }>> {
    return this.waiter.until(`a ${type} frame`, () => {
      const index = this.frames.findIndex((frame, position) => position >= this.consumed && frame.type === type);
      const found = this.frames[index];
      if (!found || !isFrameOf(found, type)) return undefined;
      this.consumed = index + 1;
      return found;
    });
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.waiter.until("the close", () => this.closeEvent ?? undefined);
  }

  types(): string[] {
    return this.frames.map((frame) => frame.type);
  }
}
