/**
 * Collects the frames of a WebSocket (Node's global WebSocket, a real client) and lets a test
 * await the next frame of a type or the close: events, not sleeps.
 */
export interface ReceivedFrame {
  type: string;
  timestamp: string;
  seq?: number;
  reply_to?: string;
  thread_id?: string;
  payload: Record<string, unknown>;
}

export class FrameCollector {
  readonly frames: ReceivedFrame[] = [];
  private readonly waiters: Array<() => void> = [];
  private closeEvent: { code: number; reason: string } | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly timeoutMs = 10_000,
  ) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ReceivedFrame);
      this.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.wake();
    });
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private async until<T>(check: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  opened(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.addEventListener("open", () => resolve(), { once: true });
      this.socket.addEventListener("close", (event) => reject(new Error(`closed ${event.code} ${event.reason}`)), { once: true });
    });
  }

  private consumed = 0;

  /** The next frame of `type` after the last one returned by next(). */
  next(type: string): Promise<ReceivedFrame> {
    return this.until(() => {
      const index = this.frames.findIndex((frame, position) => position >= this.consumed && frame.type === type);
      if (index === -1) return undefined;
      this.consumed = index + 1;
      return this.frames[index];
    }, `a ${type} frame`);
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closeEvent ?? undefined, "the close");
  }

  types(): string[] {
    return this.frames.map((frame) => frame.type);
  }
}
