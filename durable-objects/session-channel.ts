/**
 * @module
 * The session's sockets and its stream: who is connected, what each is sent, and the resume log
 * behind the shared stream. Everything a session object sends goes through here, framed
 * (frames.ts): `publish` onto the shared, numbered stream that every tab sees and a reconnect
 * replays; `reply` to one socket without a number.
 */
import type { ServerFrameType, ServerPayloads } from "@tether/protocol";
import { logEvent } from "../workers/shared/request-log.js";
import { closeSocket, sendIfOpen } from "../workers/shared/socket-io.js";
import { EventLog, type Replay } from "./event-log.js";
import { serverFrame, type FrameRouting } from "./frames.js";
import { readAttachment, type SocketAttachment } from "./socket-state.js";

/** The application closes a session object makes itself (the Worker refuses the rest). */
export type SessionCloseCode = "rate_limited" | "unauthorized" | "token_expired" | "frame_too_large" | "session_revoked";

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

  /** To one socket only, without `seq`: replies that concern that socket. */
  reply<T extends ServerFrameType>(ws: WebSocket, type: T, payload: ServerPayloads[T], routing: FrameRouting = {}): void {
    sendIfOpen(ws, serverFrame(type, payload, routing));
  }

  /** A socket just accepted: `connection_established`, then what it missed since `resumeAfter`. */
  welcome(ws: WebSocket, attachment: SocketAttachment, resumeAfter: number | null, nowMs: number): Replay {
    const replay = resumeAfter === null ? { resumedFrom: null, frames: [] } : this.log.replayAfter(resumeAfter);
    this.reply(ws, "connection_established", {
      user_id: attachment.userId,
      session_id: attachment.sessionId,
      token_expires_at: new Date(attachment.tokenExpiresAtMs).toISOString(),
      resumed_from: replay.resumedFrom,
      last_seq: this.log.lastSeq(),
      server_time: new Date(nowMs).toISOString(),
    });
    for (const frame of replay.frames) ws.send(frame);
    return replay;
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
   * client may see the close late (README, Known issues): a frame arrives within milliseconds.
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
  forgetLog(): void {
    this.log = new EventLog(this.ctx.storage);
  }
}
