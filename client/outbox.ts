/**
 * @module
 * What the client has asked of the server and not yet had answered.
 * - User messages and approval answers stay until their `ack` (or `error`): they are sent again
 *   after every reconnect, which is safe because the server treats the frame id as an idempotency
 *   key (a resent answer is acknowledged as a duplicate).
 * - Requests (threads, history, ping) wait while disconnected; one already sent when the socket
 *   dropped is rejected instead, because `create_thread` is not idempotent — the caller decides.
 */
import {
  isFrameOf,
  REQUEST_REPLIES,
  type ClientPayloads,
  type RequestFrameType,
  type RequestReplies,
  type ServerFrame,
  type SocketErrorCode,
} from "@tether/protocol";

export type { RequestFrameType };
/** The payload of each request. */
export type RequestPayloads = Pick<ClientPayloads, RequestFrameType>;
/** A request as sent. */
export interface RequestFrame<T extends RequestFrameType> {
  type: T;
  id: string;
  payload: RequestPayloads[T];
}

/** The frame that answers request `T`: `request("list_threads", {})` resolves to a `threads_list` frame. */
export type ReplyFrame<T extends RequestFrameType> = Extract<ServerFrame, { type: RequestReplies[T] }>;

export interface UserMessage {
  type: "user_message";
  id: string;
  payload: { content: string; thread_id?: string };
}

/** An answer to a `tool_approval_requested`. */
export interface ApprovalAnswer {
  type: "approve_tool";
  id: string;
  payload: ClientPayloads["approve_tool"];
}

/** A frame the server acknowledges with `ack`, kept until it has. */
export type AcknowledgedFrame = UserMessage | ApprovalAnswer;

/** What the outbox holds for the socket. */
export type OutgoingFrame = AcknowledgedFrame | RequestFrame<RequestFrameType>;

interface PendingMessage {
  frame: AcknowledgedFrame;
  /** Written to the current socket; cleared when it drops, so the next one carries it again. */
  sent: boolean;
}

interface PendingRequest {
  frame: RequestFrame<RequestFrameType>;
  sent: boolean;
  /** Resolves with the frame if it is the reply this request expects, else rejects. */
  answer(frame: ServerFrame): void;
  reject(error: Error): void;
}

/** Why a request failed: the server's `error` code, or what happened to the connection. */
export type RequestFailure = SocketErrorCode | "connection_lost" | "connection_closed" | "unexpected_reply";

/** A request the server answered with an `error` frame, or that the connection could not carry. */
export class RequestFailed extends Error {
  constructor(
    readonly code: RequestFailure,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "RequestFailed";
  }
}

export class Outbox {
  private readonly messages = new Map<string, PendingMessage>();
  private readonly requests = new Map<string, PendingRequest>();

  get unacknowledged(): number {
    return this.messages.size;
  }

  addMessage<T extends AcknowledgedFrame>(message: T): T {
    this.messages.set(message.id, { frame: message, sent: false });
    return message;
  }

  addRequest<T extends RequestFrameType>(frame: RequestFrame<T>): Promise<ReplyFrame<T>> {
    const expected: RequestReplies[T] = REQUEST_REPLIES[frame.type];
    return new Promise<ReplyFrame<T>>((resolve, reject) => {
      const answer = (reply: ServerFrame) => {
        if (isFrameOf(reply, expected)) resolve(reply);
        else reject(new RequestFailed("unexpected_reply", `A ${reply.type} frame answered ${frame.type}.`, false));
      };
      this.requests.set(frame.id, { frame, sent: false, answer, reject });
    });
  }

  /** What the current socket has not carried yet, oldest first; from now on it counts as sent. */
  toSend(): OutgoingFrame[] {
    const unsent = [...this.messages.values(), ...this.requests.values()].filter((entry) => !entry.sent);
    for (const entry of unsent) entry.sent = true;
    return unsent.map((entry) => entry.frame);
  }

  /** A frame was written to an open socket right away. */
  sent(id: string): void {
    const entry = this.messages.get(id) ?? this.requests.get(id);
    if (entry) entry.sent = true;
  }

  /** Matches a server frame to what it answers. */
  settle(frame: ServerFrame): void {
    if (frame.reply_to === undefined) return;
    if (this.messages.has(frame.reply_to) && (frame.type === "ack" || frame.type === "error")) this.messages.delete(frame.reply_to);
    const request = this.requests.get(frame.reply_to);
    if (!request) return;
    this.requests.delete(frame.reply_to);
    if (frame.type === "error") {
      const { code, message, retryable } = frame.payload;
      request.reject(new RequestFailed(code, message, retryable));
    } else request.answer(frame);
  }

  /** The socket dropped: requests that were on it fail (retryable); messages wait to be resent. */
  disconnected(): void {
    for (const message of this.messages.values()) message.sent = false;
    for (const [id, request] of this.requests) {
      if (!request.sent) continue;
      this.requests.delete(id);
      request.reject(new RequestFailed("connection_lost", "The connection dropped before the answer arrived.", true));
    }
  }

  /** The connection is over for good. */
  abandon(message: string): void {
    for (const request of this.requests.values()) request.reject(new RequestFailed("connection_closed", message, false));
    this.requests.clear();
    this.messages.clear();
  }
}
