import type { Context } from "hono";
import { acceptAndClose, offeredProtocols, SESSION_CLAIMS_HEADER, type SessionClaims } from "../shared/socket-io.js";
import { ApiError } from "../shared/errors.js";
import { bearerToken } from "../shared/http.js";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "@tether/protocol";
import type { TokenValidation } from "../shared/auth-gateway.js";
import { authGateway } from "./gateway.js";
import type { BackendAppEnv } from "./user-auth.js";

/**
 * GET /ws. The token comes from `Authorization: Bearer` or the `bearer.<token>` subprotocol,
 * never the query string. A refused token is *accepted and closed at once* with a typed code:
 * browsers report a refused handshake as 1006, indistinguishable from a network fault, and
 * would retry forever. No Durable Object is touched for a refused token; a revoked session is
 * refused by its own object.
 */
export async function upgradeWebSocket(c: Context<BackendAppEnv>): Promise<Response> {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("upgrade_required", "GET /ws is a WebSocket endpoint; send an Upgrade: websocket request.", {
      Upgrade: "websocket",
    });
  }
  const offered = offeredProtocols(c.req.raw);
  const fromProtocol = offered.find((part) => part.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
  // The header read as /api reads it (any case of the scheme); the gateway refuses a token over
  // MAX_ACCESS_TOKEN_LENGTH as invalid, header and subprotocol alike, before calling auth.
  const fromHeader = bearerToken(c) ?? undefined;
  const token = fromHeader ?? fromProtocol;
  if (!token) return acceptAndClose(c.req.raw, "unauthorized", "An access token is required.");

  // Verified here against the auth Worker's keys, with no auth call; the session's object refuses
  // a revoked session (socket-admission.ts), told so by session sync.
  const result = await authGateway(c.env, c.var.setup.settings).verifyAccessToken(token);
  if (!result.ok) return refuseUpgrade(c.req.raw, result.code);

  const claims: SessionClaims = {
    sub: result.claims.sub,
    sid: result.claims.sid,
    email: result.claims.email,
    name: result.claims.name,
    email_verified: result.claims.email_verified,
    permissions: result.claims.permissions,
    exp: result.claims.exp,
  };
  // The token goes no further than this Worker: the object gets the validated claims instead.
  const headers = new Headers(c.req.raw.headers);
  headers.delete("Authorization");
  headers.delete("Sec-WebSocket-Protocol");
  if (offered.includes(PROTOCOL)) headers.set("Sec-WebSocket-Protocol", PROTOCOL);
  headers.set(SESSION_CLAIMS_HEADER, JSON.stringify(claims));
  const session = c.env.USER_SESSION.get(c.env.USER_SESSION.idFromName(claims.sid));
  return session.fetch(new Request(c.req.url, { method: "GET", headers }));
}

/**
 * A token refused at an upgrade, as the socket's close: the one mapping of a validation failure to
 * a close code, for /ws and the Agents SDK guard (workers/backend/agents-sdk/guard.ts) alike.
 */
export function refuseUpgrade(request: Request, code: Extract<TokenValidation, { ok: false }>["code"]): Response {
  switch (code) {
    case "token_expired":
      return acceptAndClose(request, "token_expired", "The access token has expired.");
    case "token_revoked":
      return acceptAndClose(request, "session_revoked", "The session has been revoked.");
    case "auth_unavailable":
      return acceptAndClose(request, "internal_error", "Auth is unavailable; reconnect with backoff.");
    default:
      return acceptAndClose(request, "unauthorized", "The access token is not valid.");
  }
}
