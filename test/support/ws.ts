import { ORIGIN, registerUser, type FetchTarget, type TokenBody } from "./http.js";

/**
 * A WebSocket client inside workerd: opens /ws through the backend's fetch handler and collects
 * frames, so tests await events (the next frame of a type, the close) instead of sleeping.
 */
export interface Frame {
  type: string;
  seq?: number;
  event_id: string;
  reply_to?: string;
  thread_id?: string;
  timestamp: string;
  payload: Record<string, unknown>;
}

export class TestSocket {
  readonly frames: Frame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  private consumed = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly socket: WebSocket,
    readonly protocol: string | null,
  ) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as Frame);
      this.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.wake();
    });
    socket.accept();
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame of `type` after the previous next(); rejects if the socket closes first. */
  async next(type: string): Promise<Frame> {
    for (;;) {
      const index = this.frames.findIndex((frame, position) => position >= this.consumed && frame.type === type);
      if (index !== -1) {
        this.consumed = index + 1;
        return this.frames[index] as Frame;
      }
      if (this.closeEvent) {
        throw new Error(`closed (${this.closeEvent.code}) before a ${type} frame; got ${this.frames.map((f) => f.type).join(", ")}`);
      }
      await this.waitForChange();
    }
  }

  /** Waits until some frame satisfies `predicate`. */
  async until(predicate: (frames: Frame[]) => boolean): Promise<Frame[]> {
    while (!predicate(this.frames)) {
      if (this.closeEvent) throw new Error(`closed (${this.closeEvent.code}) first; got ${this.frames.map((f) => f.type).join(", ")}`);
      await this.waitForChange();
    }
    return this.frames;
  }

  async closed(): Promise<{ code: number; reason: string }> {
    while (!this.closeEvent) await this.waitForChange();
    return this.closeEvent;
  }

  close(): void {
    this.socket.close(1000, "done");
  }
}

export async function openSocket(
  target: FetchTarget,
  options: { token?: string; via?: "header" | "protocol"; query?: string } = {},
): Promise<TestSocket> {
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (options.token !== undefined && options.via === "header") headers.Authorization = `Bearer ${options.token}`;
  headers["Sec-WebSocket-Protocol"] =
    options.token !== undefined && options.via !== "header" ? `tether.v1, bearer.${options.token}` : "tether.v1";
  const response = await target.fetch(`${ORIGIN}/ws${options.query ?? ""}`, { headers });
  if (response.status !== 101 || !response.webSocket) throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
  return new TestSocket(response.webSocket, response.headers.get("Sec-WebSocket-Protocol"));
}

/** A fresh user with one open socket, past its connection_established. */
export async function openSession(target: FetchTarget): Promise<{ socket: TestSocket; tokens: TokenBody; userId: string }> {
  const tokens = await registerUser(target);
  const socket = await openSocket(target, { token: tokens.access_token });
  await socket.next("connection_established");
  return { socket, tokens, userId: tokens.user.id };
}
