/**
 * @module
 * A socket's way in: the upgrade the backend Worker authenticated is refused when the session is
 * revoked or already holds its most sockets — accepted, then closed at once, so a browser can read
 * why — and otherwise accepted with its attachment, welcomed with what it missed since
 * `resume_after`, and the session is no longer idle.
 */
import type { CloseReasonCode } from "@tether/protocol";
import { logEvent } from "../workers/shared/request-log.js";
import { acceptAndClose, tetherProtocolHeader, type SessionClaims } from "../workers/shared/socket-io.js";
import type { SessionChannel } from "./session-channel.js";
import type { SessionRetention } from "./session-retention.js";
import type { SocketTokens } from "./socket-tokens.js";

export class SocketAdmission {
  /** @param reschedule sets the object's alarm again, now that a socket's token deadlines count. */
  constructor(
    private readonly channel: SessionChannel,
    private readonly retention: SessionRetention,
    private readonly tokens: SocketTokens,
    private readonly maxSocketsPerSession: number,
    private readonly reschedule: () => Promise<void>,
  ) {}

  async admit(request: Request, claims: SessionClaims): Promise<Response> {
    // A revoked session stays revoked, even for a token some isolate still has cached as valid.
    if (this.retention.revoked()) return refuse(request, claims, "session_revoked", "The session has been revoked.");
    if (this.channel.openSockets().length >= this.maxSocketsPerSession) {
      return refuse(request, claims, "too_many_sockets", "This session has too many connections open; close one.");
    }
    const resumeParam = new URL(request.url).searchParams.get("resume_after");
    const resumeAfter = resumeParam !== null && /^\d{1,15}$/.test(resumeParam) ? Number(resumeParam) : null;
    const nowMs = Date.now();
    const { client, replay } = this.channel.accept(this.tokens.attachmentFor(claims, nowMs), resumeAfter, nowMs);
    this.retention.setIdleSince(null);
    await this.reschedule();
    const sockets = this.channel.openSockets().length;
    logEvent("info", "socket_connected", { session_id: claims.sid, user_id: claims.sub, resumed_from: replay.resumedFrom, sockets });
    return new Response(null, { status: 101, webSocket: client, headers: tetherProtocolHeader(request) });
  }
}

function refuse(request: Request, claims: SessionClaims, reason: CloseReasonCode, message: string): Response {
  logEvent("info", "socket_refused", { session_id: claims.sid, user_id: claims.sub, reason });
  return acceptAndClose(request, reason, message);
}
