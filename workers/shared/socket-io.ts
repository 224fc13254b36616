/**
 * @module
 * What the backend Worker and its session objects share about sockets: the validated claims the
 * Worker hands the object with an upgrade, closing with a typed code, sending safely, and the
 * accept-and-close refusal a browser can read.
 */
import * as z from "zod";
import { CLOSE_CODES, PROTOCOL, type CloseReasonCode } from "@tether/protocol";

/**
 * What the backend Worker tells the object about a socket it has authenticated. Only the Worker
 * can reach the object, and it overwrites this header on every upgrade it forwards.
 */
export const SESSION_CLAIMS_HEADER = "X-Tether-Session-Claims";
export const SessionClaims = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  email: z.string(),
  name: z.string(),
  email_verified: z.boolean(),
  permissions: z.array(z.string().max(64)).max(64),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof SessionClaims>;

export function readSessionClaims(request: Request): SessionClaims | null {
  try {
    const claims = SessionClaims.safeParse(JSON.parse(request.headers.get(SESSION_CLAIMS_HEADER) ?? "null"));
    return claims.success ? claims.data : null;
  } catch {
    return null;
  }
}

/**
 * The subprotocols an upgrade offers, in order: `Sec-WebSocket-Protocol` is a comma-separated
 * list (RFC 6455 §4.1), spaces around each entry allowed. The one reading of that header, for the
 * Worker (which also finds the `bearer.<token>` entry in it) and the object alike.
 */
export function offeredProtocols(request: Request): string[] {
  return (request.headers.get("Sec-WebSocket-Protocol") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The header that selects `tether.v1` on an upgrade that offered it; none otherwise. */
export function tetherProtocolHeader(request: Request): Record<string, string> | undefined {
  return offeredProtocols(request).includes(PROTOCOL) ? { "Sec-WebSocket-Protocol": PROTOCOL } : undefined;
}

/** Closes with an application code and a short JSON reason a browser can read. */
export function closeSocket(ws: WebSocket, code: CloseReasonCode, message: string): void {
  try {
    ws.close(CLOSE_CODES[code], JSON.stringify({ code, message }).slice(0, 123));
  } catch {
    // Already closing: nothing left to tell it.
  }
}

/**
 * Sends unless the socket has closed meanwhile (a reply can outlive its socket: the client went
 * away while its frame was being handled). What was lost is in the resume log, if it was sequenced.
 */
export function sendIfOpen(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // Closed or closing.
  }
}

/** An upgrade accepted only to be closed at once with `code`: a refusal a browser can read. */
export function acceptAndClose(request: Request, code: CloseReasonCode, message: string): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  closeSocket(server, code, message);
  return new Response(null, { status: 101, webSocket: client, headers: tetherProtocolHeader(request) });
}
