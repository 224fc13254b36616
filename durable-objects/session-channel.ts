/**
 * @module
 * The session's sockets and its stream: who is connected, what each is sent, and the resume log
 * behind the shared stream. Everything a session object sends is framed here: `publish` onto the
 * shared, numbered stream that every tab sees and a reconnect replays (event-log.ts numbers and
 * keeps it); `reply` to one socket without a number.
 */
import type { ServerFrame, ServerFrameType, ServerPayloads } from "@tether/protocol";
import { logEvent } from "../workers/shared/request-log.js";
import { closeSocket, sendIfOpen } from "../workers/shared/socket-io.js";
import { EventLog, type Replay } from "./event-log.js";
import { writeAttachment, readAttachment, type SocketAttachment } from "./socket-state.js";

/** What a frame answers and which thread it is about: its `reply_to` and `thread_id`. */
export interface FrameRouting {
  replyTo?: string | undefined;
  threadId?: string | undefined;
}

/** Sends one frame of a given routing onto the shared stream (a run's events, each with the run's routing). */
export type StreamPublisher = <T extends ServerFrameType>(type: T, payload: ServerPayloads[T]) => void;

/** The application closes a session object makes itself (the Worker refuses the rest). */
export type SessionCloseCode = "rate_limited" | "unauthorized" | "token_expired" | "frame_too_large" | "session_revoked";

/** Every field of a server frame present, the optional ones possibly undefined. */
type FrameFields<T extends ServerFrameType> = { type: T; event_id: string; timestamp: string; payload: ServerPayloads[T] } & {
  [K in "seq" | "reply_to" | "thread_id"]: ServerFrame[K] | undefined;
};

/** The `pong`, the hottest frame: `{type, reply_to, payload: {server_time}}` and nothing more (docs/protocol.md). */
function pongFrame(replyTo: string, serverTime: string): string {
  return JSON.stringify({ type: "pong", reply_to: replyTo, payload: { server_time: serverTime } } satisfies ServerFrame<"pong">);
}

/** The frame's text: the envelope around `payload`, numbered when it goes onto the stream. */
function serverFrame<T extends ServerFrameType>(type: T, payload: ServerPayloads[T], routing: FrameRouting, seq?: number): string {
  // Absent fields are undefined, which JSON.stringify leaves out: the same text as building the
  // frame from optional spreads, without copying objects on every frame.
  const frame: FrameFields<T> = {
    type,
    seq,
    event_id: crypto.randomUUID(),
    reply_to: routing.replyTo,
    thread_id: routing.threadId,
    timestamp: new Date().toISOString(),
    payload,
  };
  return JSON.stringify(frame);
}

export class SessionChannel {
  private log: EventLog;

  constructor(private readonly ctx: DurableObjectState) {
    this.log = new EventLog(ctx.storage);
  }

  /** Onto the session's shared stream: numbered, logged for resume, sent to every socket. */
  publish<T extends ServerFrameType>(type: T, payload: ServerPayloads[T], routing: FrameRouting = {}): void {
    const frame = this.log.append((seq) => serverFrame(type, payload, routing, seq));
    // A socket that is closing misses the live event; its client resumes from the log.
    for (const socket of this.ctx.getWebSockets()) sendIfOpen(socket, frame);
  }

  /** `publish` with one routing for every frame: what a run's events go out through. */
  publisher(routing: FrameRouting): StreamPublisher {
    return (type, payload) => this.publish(type, payload, routing);
  }

  /** The answer to a `ping`. */
  pong(ws: WebSocket, replyTo: string, nowMs: number): void {
    sendIfOpen(ws, pongFrame(replyTo, new Date(nowMs).toISOString()));
  }

  /** To one socket only, without `seq`: replies that concern that socket. */
  reply<T extends Exclude<ServerFrameType, "pong">>(ws: WebSocket, type: T, payload: ServerPayloads[T], routing: FrameRouting = {}): void {
    sendIfOpen(ws, serverFrame(type, payload, routing));
  }

  /**
   * A new socket, held through the hibernation API with its attachment: `connection_established`,
   * then what it missed since `resumeAfter`. Returns the client's end and what was replayed.
   */
  accept(attachment: SocketAttachment, resumeAfter: number | null, nowMs: number): { client: WebSocket; replay: Replay } {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    writeAttachment(server, attachment);
    const replay = resumeAfter === null ? { resumedFrom: null, frames: [] } : this.log.replayAfter(resumeAfter);
    this.reply(server, "connection_established", {
      user_id: attachment.userId,
      session_id: attachment.sessionId,
      token_expires_at: new Date(attachment.tokenExpiresAtMs).toISOString(),
      resumed_from: replay.resumedFrom,
      last_seq: this.log.lastSeq(),
      server_time: new Date(nowMs).toISOString(),
    });
    for (const frame of replay.frames) server.send(frame);
    return { client, replay };
  }

  /** Sockets that are open (not closing): the ones that count as someone using the session. */
  openSockets(except?: WebSocket): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  /** Closes one socket with a typed code, and says so in the log. */
  close(ws: WebSocket, code: SessionCloseCode, message: string): void {
    const attachment = readAttachment(ws);
    logEvent("info", "socket_closing", { session_id: attachment?.sessionId, user_id: attachment?.userId, reason: code });
    closeSocket(ws, code, message);
  }

  /**
   * Every socket gets `session_revoked`, then the 4003 close. The frame comes first because a
   * client may see the close late (docs/deploy.md, Known issues): a frame arrives within milliseconds.
   */
  revokeAll(reason: string): number {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      this.reply(ws, "session_revoked", { reason });
      closeSocket(ws, "session_revoked", "The session has been revoked.");
    }
    const first = sockets.map(readAttachment).find((attachment) => attachment !== null);
    logEvent("info", "session_revoked", { session_id: first?.sessionId, user_id: first?.userId, reason, sockets: sockets.length });
    return sockets.length;
  }

  /** The last `seq` given on the shared stream. */
  lastSeq(): number {
    return this.log.lastSeq();
  }

  /** After the storage was cleaned up: the log's cached state (its tables, its last `seq`) is gone too. */
  forget(): void {
    this.log = new EventLog(this.ctx.storage);
  }
}
