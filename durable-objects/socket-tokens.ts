/**
 * @module
 * Every decision about a socket's access token, in one place: what a socket holds from its token,
 * a `token_expiring` warning TOKEN_REFRESH_LEAD_SECONDS before `exp`, a 4001 close at `exp` unless
 * an `auth_refresh` moved it, and what a refresh or session sync changes. The object sleeps in
 * between on its one alarm (never setTimeout, so it can hibernate): this says when it must wake.
 */
import type { PublicUser } from "@tether/protocol";
import { AuthGateway } from "../workers/shared/auth-gateway.js";
import type { BackendConfig } from "../workers/shared/backend-config.js";
import type { AuthServiceApi } from "../workers/shared/rpc.js";
import type { SessionClaims } from "../workers/shared/socket-io.js";
import type { AccessClaims } from "../workers/shared/tokens.js";
import type { SessionBudget } from "./session-budget.js";
import type { SessionChannel } from "./session-channel.js";
import { readAttachment, writeAttachment, type SocketAttachment } from "./socket-state.js";

type TokenFields = Pick<SocketAttachment, "email" | "name" | "emailVerified" | "permissions" | "tokenExpiresAtMs" | "expiryWarned">;

export class SocketTokens {
  /** Per object (docs/architecture.md): its own cache and breaker for in-band token refresh. */
  private gatewayInstance: AuthGateway | null = null;

  /** @param reschedule sets the object's alarm again, once a refresh has moved a deadline. */
  constructor(
    private readonly channel: SessionChannel,
    private readonly budget: SessionBudget,
    private readonly auth: AuthServiceApi,
    private readonly config: Pick<BackendConfig, "gateway" | "tokenRefreshLeadMs">,
    private readonly reschedule: () => Promise<void>,
  ) {}

  /** A new socket's attachment: whose it is, and what its token says. */
  attachmentFor(claims: SessionClaims, nowMs: number): SocketAttachment {
    return { userId: claims.sub, sessionId: claims.sid, ...this.fromToken(claims), connectedAtMs: nowMs };
  }

  isExpired(socket: SocketAttachment, nowMs: number): boolean {
    return socket.tokenExpiresAtMs <= nowMs;
  }

  /**
   * `auth_refresh`: the new token must be valid (verified against the auth Worker's keys) and belong to the
   * same user and session as the socket; otherwise nothing changes and the client gets `error`.
   */
  async refresh(ws: WebSocket, socket: SocketAttachment, token: string, replyTo: string): Promise<void> {
    // A signature check each, and an auth call for a key not seen yet: a few a minute per session.
    if (!this.budget.take("refreshes", Date.now())) {
      const message = "This session has refreshed its token too often; wait a minute.";
      return this.channel.reply(ws, "error", { code: "rate_limited", message, retryable: true }, { replyTo });
    }
    this.gatewayInstance ??= new AuthGateway(this.auth, this.config.gateway);
    // Checked against the auth Worker's keys as at connect; revocation is this object's to know.
    const validation = await this.gatewayInstance.verifyAccessToken(token);
    if (!validation.ok) {
      const retryable = validation.code === "auth_unavailable";
      return this.channel.reply(ws, "error", { code: validation.code, message: validation.message, retryable }, { replyTo });
    }
    const { claims } = validation;
    if (claims.sub !== socket.userId || claims.sid !== socket.sessionId) {
      const message = "The token belongs to another user or session.";
      return this.channel.reply(ws, "error", { code: "token_mismatch", message, retryable: false }, { replyTo });
    }
    // Everything the new token says replaces what the old one said — expiry, permissions, and the
    // user's email, name and verified flag (which may have changed since).
    const refreshed = { ...socket, ...this.fromToken(claims) };
    writeAttachment(ws, refreshed);
    this.channel.reply(ws, "auth_refreshed", { token_expires_at: new Date(refreshed.tokenExpiresAtMs).toISOString() }, { replyTo });
    await this.reschedule();
  }

  /** The alarm's round of the open sockets: a token near its end is warned once, one past it closed. */
  sweep(nowMs: number): void {
    for (const ws of this.channel.openSockets()) {
      const socket = readAttachment(ws);
      if (!socket) continue;
      if (this.isExpired(socket, nowMs)) this.channel.close(ws, "token_expired", "The access token expired without a refresh.");
      else if (!socket.expiryWarned && socket.tokenExpiresAtMs - this.config.tokenRefreshLeadMs <= nowMs) {
        writeAttachment(ws, { ...socket, expiryWarned: true });
        this.channel.reply(ws, "token_expiring", { expires_at: new Date(socket.tokenExpiresAtMs).toISOString() });
      }
    }
  }

  /** The next moment an open socket (but `except`, which is closing) needs the object awake; null with none open. */
  nextWakeMs(except?: WebSocket): number | null {
    const wakes = this.channel
      .openSockets(except)
      .map(readAttachment)
      .filter((socket): socket is SocketAttachment => socket !== null)
      .map((socket) => (socket.expiryWarned ? socket.tokenExpiresAtMs : socket.tokenExpiresAtMs - this.config.tokenRefreshLeadMs));
    return wakes.length > 0 ? Math.min(...wakes) : null;
  }

  /** Session sync's `userUpdated`: the user's new values on each socket of theirs. Counts the sockets told. */
  userUpdated(user: PublicUser): number {
    let updated = 0;
    for (const ws of this.channel.openSockets()) {
      const socket = readAttachment(ws);
      if (!socket || socket.userId !== user.id) continue;
      writeAttachment(ws, {
        ...socket,
        email: user.email,
        name: user.name,
        emailVerified: user.email_verified,
        permissions: user.permissions,
      });
      updated += 1;
    }
    return updated;
  }

  /** What a socket holds from its token: at connect, and again from each refresh's token. */
  private fromToken(claims: Pick<AccessClaims, "email" | "name" | "email_verified" | "permissions" | "exp">): TokenFields {
    return {
      email: claims.email,
      name: claims.name,
      emailVerified: claims.email_verified,
      permissions: claims.permissions,
      tokenExpiresAtMs: claims.exp * 1000,
      expiryWarned: false,
    };
  }
}
