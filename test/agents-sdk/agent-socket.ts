/**
 * @module
 * A socket to an Agent through the example app's fetch handler, inside workerd: what a browser's
 * `useAgent` opens (the `tether.v1, bearer.<token>` subprotocol pair) or a server's (the
 * `Authorization` header). Frames are collected and awaited, never slept on.
 */
import { MessageType } from "@cloudflare/ai-chat/types";
import { expect } from "vitest";
import { ORIGIN, type FetchTarget } from "../support/http.js";
import { Waiter } from "../support/waiter.js";
import { answerText, chatRequest, isAnswerDone, type ChatFrame } from "./chat-protocol.js";

/** Tether's frames carry a `payload`; the chat protocol's put their fields beside `type`. */
export type AgentFrame = ChatFrame & { payload?: unknown };

export class AgentSocket {
  readonly frames: AgentFrame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  private readonly waiter = new Waiter(
    10_000,
    () => `${this.frames.map((f) => f.type).join(", ") || "no frame"}${this.closeEvent ? `, closed ${this.closeEvent.code}` : ""}`,
  );

  constructor(
    readonly socket: WebSocket,
    /** The subprotocol the handshake answered. */
    readonly protocol: string | null,
  ) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as AgentFrame);
      this.waiter.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.waiter.wake();
    });
    socket.accept();
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame of `type` (matching `where`) so far or next; rejects if the socket closes first. */
  frame(type: string, where: (frame: AgentFrame) => boolean = () => true): Promise<AgentFrame> {
    return this.waiter.until(`a ${type} frame`, () => {
      const found = this.frames.find((frame) => frame.type === type && where(frame));
      if (found) return found;
      if (this.closeEvent) throw new Error(`closed (${this.closeEvent.code}) before a ${type} frame`);
      return undefined;
    });
  }

  /** Sends `text` as `useAgentChat` would and resolves with the streamed answer, once its last frame came. */
  async chat(requestId: string, text: string): Promise<{ text: string; deltas: number }> {
    this.send(chatRequest(requestId, text));
    await this.frame(MessageType.CF_AGENT_USE_CHAT_RESPONSE, (frame) => isAnswerDone(frame, requestId));
    return answerText(this.frames, requestId);
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.waiter.until("the close", () => this.closeEvent ?? undefined);
  }
}

export interface AgentConnect {
  token?: string;
  via?: "protocol" | "header";
  /** Appended to the path as it is (`?token=…`). */
  query?: string;
}

/** Opens `/agents/chat/<name>`; throws when the answer is not an upgrade. */
export async function openAgentSocket(target: FetchTarget, name: string, options: AgentConnect = {}): Promise<AgentSocket> {
  const response = await upgrade(target, name, options);
  if (response.status !== 101 || !response.webSocket) throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
  return new AgentSocket(response.webSocket, response.headers.get("Sec-WebSocket-Protocol"));
}

/** The raw answer to an upgrade of `/agents/chat/<name>`. */
export function upgrade(target: FetchTarget, name: string, options: AgentConnect = {}): Promise<Response> {
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (options.token !== undefined && options.via === "header") headers.Authorization = `Bearer ${options.token}`;
  headers["Sec-WebSocket-Protocol"] =
    options.token !== undefined && options.via !== "header" ? `tether.v1, bearer.${options.token}` : "tether.v1";
  return target.fetch(`${ORIGIN}/agents/chat/${name}${options.query ?? ""}`, { headers });
}

/** A refused connect: accepted, closed at once with `code` and a JSON reason, and no frame. */
export async function expectClosedWith(socket: AgentSocket, code: number, reason: string): Promise<void> {
  const closed = await socket.closed();
  expect(closed.code).toBe(code);
  expect(JSON.parse(closed.reason)).toMatchObject({ code: reason, message: expect.any(String) });
  expect(socket.frames).toEqual([]);
}
