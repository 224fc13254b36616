/**
 * @module
 * Every decision about a socket's access token, in one place: a `token_expiring` warning
 * TOKEN_REFRESH_LEAD_SECONDS before `exp`, a 4001 close at `exp` unless an `auth_refresh` moved
 * it, and what a refresh changes. The object sleeps in between on one alarm (never setTimeout, so
 * it can hibernate).
 */
import type { PublicUser } from "@tether/protocol";
import type { AccessClaims } from "../workers/shared/tokens.js";
import type { SocketAttachment } from "./socket-state.js";

export type ExpiryAction = "close" | "warn" | "none";

export function expiryAction(socket: SocketAttachment, nowMs: number, leadMs: number): ExpiryAction {
  if (isExpired(socket, nowMs)) return "close";
  if (!socket.expiryWarned && socket.tokenExpiresAtMs - leadMs <= nowMs) return "warn";
  return "none";
}

export function isExpired(socket: SocketAttachment, nowMs: number): boolean {
  return socket.tokenExpiresAtMs <= nowMs;
}

/** The next moment this socket needs the object awake. */
export function nextWakeMs(socket: SocketAttachment, leadMs: number): number {
  return socket.expiryWarned ? socket.tokenExpiresAtMs : socket.tokenExpiresAtMs - leadMs;
}

export type RefreshVerdict = { ok: true; attachment: SocketAttachment } | { ok: false; code: "token_mismatch"; message: string };

/**
 * An `auth_refresh` with a token the auth Worker found valid: it must be the same user's and the
 * same session's, and then everything it says replaces what the old token said — expiry,
 * permissions, and the user's email, name and verified flag (which may have changed since).
 */
export function refreshedSocket(socket: SocketAttachment, claims: AccessClaims): RefreshVerdict {
  if (claims.sub !== socket.userId || claims.sid !== socket.sessionId) {
    return { ok: false, code: "token_mismatch", message: "The token belongs to another user or session." };
  }
  return { ok: true, attachment: { ...socket, ...fromToken(claims) } };
}

/** What a socket holds from its token: at connect, and again from each refresh's token. */
export function fromToken(
  claims: Pick<AccessClaims, "email" | "name" | "email_verified" | "permissions" | "exp">,
): Pick<SocketAttachment, "email" | "name" | "emailVerified" | "permissions" | "tokenExpiresAtMs" | "expiryWarned"> {
  return {
    email: claims.email,
    name: claims.name,
    emailVerified: claims.email_verified,
    permissions: claims.permissions,
    tokenExpiresAtMs: claims.exp * 1000,
    expiryWarned: false,
  };
}

/** Session sync's `userUpdated`: the user's new values, for a socket of theirs (any other is unchanged). */
export function updatedSocket(socket: SocketAttachment, user: PublicUser): SocketAttachment {
  if (socket.userId !== user.id) return socket;
  return { ...socket, email: user.email, name: user.name, emailVerified: user.email_verified, permissions: user.permissions };
}
