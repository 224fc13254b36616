/**
 * @module
 * Every frame's way in, before it means anything: the session's frame budget, the socket's
 * attachment and its token's expiry, then the frame read and checked (workers/shared/client-frames.ts).
 * `ping` and `auth_refresh` are answered here; every other frame goes to the frame handler
 * (frame-handler.ts), and a frame that throws there is answered `error internal_error`.
 */
import { readClientFrame } from "../workers/shared/client-frames.js";
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import type { FrameHandler } from "./frame-handler.js";
import type { SessionBudget } from "./session-budget.js";
import type { SessionChannel } from "./session-channel.js";
import { readAttachment } from "./socket-state.js";
import type { SocketTokens } from "./socket-tokens.js";

export class FrameGate {
  private handler: FrameHandler | null = null;

  /** @param makeHandler made on the first frame it takes: a socket that only pings never needs it (nor D1). */
  constructor(
    private readonly channel: SessionChannel,
    private readonly budget: SessionBudget,
    private readonly tokens: SocketTokens,
    private readonly makeHandler: () => FrameHandler,
  ) {}

  async receive(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const nowMs = Date.now();
    const verdict = this.budget.frame(nowMs);
    if (verdict === "close") return this.channel.close(ws, "rate_limited", "Too many frames.");
    if (verdict === "warn")
      return this.channel.reply(ws, "error", { code: "rate_limited", message: "Too many frames; slow down.", retryable: true });
    const attachment = readAttachment(ws);
    if (!attachment) return this.channel.close(ws, "unauthorized", "This connection has no valid session; connect again.");
    if (this.tokens.isExpired(attachment, nowMs)) return this.channel.close(ws, "token_expired", "The access token has expired.");

    const reading = readClientFrame(message);
    if (!reading.ok) {
      if (reading.tooLarge) return this.channel.close(ws, "frame_too_large", reading.message);
      return this.channel.reply(
        ws,
        "error",
        { code: reading.code, message: reading.message, retryable: false },
        { replyTo: reading.replyTo },
      );
    }
    const frame = reading.frame;
    // The most frequent frame, answered here with nothing allocated for the others (it needs no permission).
    if (frame.type === "ping") return this.channel.pong(ws, frame.id, nowMs);
    try {
      if (frame.type === "auth_refresh") return await this.tokens.refresh(ws, attachment, frame.payload.token, frame.id);
      const author = { userId: attachment.userId, email: attachment.email, name: attachment.name, emailVerified: attachment.emailVerified };
      this.handler ??= this.makeHandler();
      await this.handler.handle(frame, { ws, sessionId: attachment.sessionId, author, permissions: attachment.permissions });
    } catch (error) {
      logEvent("error", "frame_failed", { session_id: attachment.sessionId, type: frame.type, error: errorKind(error) });
      this.channel.reply(
        ws,
        "error",
        { code: "internal_error", message: "The frame could not be handled.", retryable: true },
        { replyTo: frame.id },
      );
    }
  }
}
