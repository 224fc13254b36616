/**
 * @module
 * Every decision about a socket's access token, in one place: a `token_expiring` warning
 * TOKEN_REFRESH_LEAD_SECONDS before `exp`, a 4001 close at `exp` unless an `auth_refresh` moved
 * it, and what a refresh changes. The object sleeps in between on one alarm (never setTimeout, so
 * it can hibernate).
 */
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
 * same session's, and then its expiry and permissions replace the old token's.
 */
export function refreshedSocket(socket: SocketAttachment, claims: AccessClaims): RefreshVerdict {
  if (claims.sub !== socket.userId || claims.sid !== socket.sessionId) {
    return { ok: false, code: "token_mismatch", message: "The token belongs to another user or session." };
  }
  return { ok: true, attachment: { ...socket, permissions: claims.permissions, tokenExpiresAtMs: claims.exp * 1000, expiryWarned: false } };
}
