import type { ServerFrame, ServerFrameType } from "@tether/protocol";
import { ORIGIN, registerUser, type FetchTarget, type TokenResponse } from "./http.js";
import { isFrame } from "./frames.js";
import { Waiter } from "./waiter.js";

/**
 * @module
 * A WebSocket client inside workerd: opens /ws through the backend's fetch handler and collects
 * frames, so tests await events (the next frame of a type, the close) instead of sleeping — each
 * wait bounded by the one Waiter (waiter.ts). Frames are the protocol's own types.
 */

/** How long a test waits for a frame or a close before it fails with what it got instead. */
const FRAME_TIMEOUT_MS = 10_000;

export class TestSocket {
  readonly frames: ServerFrame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  private consumed = 0;
  private readonly waiter = new Waiter(
    FRAME_TIMEOUT_MS,
    () => `${this.frames.map((f) => f.type).join(", ") || "no frame"}${this.closeEvent ? `, closed ${this.closeEvent.code}` : ""}`,
  );

  constructor(
    readonly socket: WebSocket,
    readonly protocol: string | null,
  ) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ServerFrame);
      this.waiter.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.waiter.wake();
    });
    socket.accept();
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame of `type` after the previous next(); rejects if the socket closes first. */
  next<T extends ServerFrameType>(type: T): Promise<Extract<ServerFrame, { type: T }>> {
    return this.waiter.until(`a ${type} frame`, () => {
      const index = this.frames.findIndex((frame, position) => position >= this.consumed && frame.type === type);
      const found = this.frames[index];
      if (found && isFrame(found, type)) {
        this.consumed = index + 1;
        return found;
      }
      if (this.closeEvent)
        throw new Error(`closed (${this.closeEvent.code}) before a ${type} frame; got ${this.frames.map((f) => f.type).join(", ")}`);
      return undefined;
    });
  }

  /** Waits until the frames so far satisfy `predicate`. */
  until(predicate: (frames: ServerFrame[]) => boolean): Promise<ServerFrame[]> {
    return this.waiter.until("the frames awaited", () => {
      if (predicate(this.frames)) return this.frames;
      if (this.closeEvent) throw new Error(`closed (${this.closeEvent.code}) first; got ${this.frames.map((f) => f.type).join(", ")}`);
      return undefined;
    });
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.waiter.until("the close", () => this.closeEvent ?? undefined);
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
export async function openSession(target: FetchTarget): Promise<{ socket: TestSocket; tokens: TokenResponse; userId: string }> {
  const tokens = await registerUser(target);
  const socket = await openSocket(target, { token: tokens.access_token });
  await socket.next("connection_established");
  return { socket, tokens, userId: tokens.user.id };
}
