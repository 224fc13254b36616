/**
 * @module
 * When a socket's token needs attention: a `token_expiring` warning TOKEN_REFRESH_LEAD_SECONDS
 * before `exp`, then a 4001 close at `exp` unless an `auth_refresh` moved it. The object sleeps
 * in between on one alarm (never setTimeout, so it can hibernate).
 */
import type { SocketAttachment } from "./socket-state.js";

export type ExpiryAction = "close" | "warn" | "none";

export function expiryAction(socket: SocketAttachment, nowMs: number, leadMs: number): ExpiryAction {
  if (socket.tokenExpiresAtMs <= nowMs) return "close";
  if (!socket.expiryWarned && socket.tokenExpiresAtMs - leadMs <= nowMs) return "warn";
  return "none";
}

/** The next moment this socket needs the object awake. */
export function nextWakeMs(socket: SocketAttachment, leadMs: number): number {
  return socket.expiryWarned ? socket.tokenExpiresAtMs : socket.tokenExpiresAtMs - leadMs;
}
