import type { TokenSubject } from "../workers/shared/tokens.js";

/**
 * What the session object remembers about one socket, in its attachment so that it survives
 * hibernation (at most 16 KiB; this is a few hundred bytes).
 */
export interface SocketAttachment extends TokenSubject {
  tokenExpiresAtMs: number;
  /** Whether `token_expiring` was sent for the current token. */
  expiryWarned: boolean;
  connectedAtMs: number;
}

function isAttachment(value: unknown): value is SocketAttachment {
  if (typeof value !== "object" || value === null) return false;
  const a = value as Record<string, unknown>;
  return (
    typeof a.userId === "string" &&
    typeof a.sessionId === "string" &&
    typeof a.email === "string" &&
    typeof a.name === "string" &&
    typeof a.emailVerified === "boolean" &&
    Array.isArray(a.permissions) &&
    typeof a.tokenExpiresAtMs === "number" &&
    typeof a.expiryWarned === "boolean" &&
    typeof a.connectedAtMs === "number"
  );
}

/**
 * Each socket's attachment as last written or read, in this instance's memory: every frame needs
 * the claims (the expiry check), and deserializing the attachment each time cost an eighth of a
 * ping. The attachment stays the truth: after hibernation the object is new, this map is empty,
 * and the first read of each socket deserializes it. Objects are frozen so that nothing changes a
 * cached one without writing it through writeAttachment.
 */
const attachments = new WeakMap<WebSocket, Readonly<SocketAttachment>>();

/**
 * The one way to read a socket's state: checked, never cast. A socket without a well-formed
 * attachment (one accepted by an older version of this class) reads as null, and its holder
 * treats it as unauthenticated.
 */
export function readAttachment(ws: WebSocket): Readonly<SocketAttachment> | null {
  const cached = attachments.get(ws);
  if (cached) return cached;
  const value: unknown = ws.deserializeAttachment();
  if (!isAttachment(value)) return null;
  attachments.set(ws, Object.freeze(value));
  return value;
}

/** The one way to write it, so every write has the checked shape (and the cache follows). */
export function writeAttachment(ws: WebSocket, attachment: SocketAttachment): void {
  ws.serializeAttachment(attachment);
  attachments.set(ws, Object.freeze({ ...attachment }));
}
