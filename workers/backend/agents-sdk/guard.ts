/**
 * @module
 * `tetherGuard(env, options)`: the `onBeforeConnect`/`onBeforeRequest` hooks of the Agents SDK's
 * `routeAgentRequest` that put Tether's auth in front of an app's Agents. A request reaches an
 * Agent only with a valid access token of a live session, only to an Agent class the options name,
 * only to the caller's own instance, and with the verified caller — never the token — in its
 * headers. The token is read as `/ws` reads it: `Authorization: Bearer` or the `bearer.<token>`
 * subprotocol, never the query string; it is verified by the same gateway as `/ws` and `/api`: a
 * socket's token against the auth Worker's keys with the user's directory object refusing a
 * revoked session, a request's with auth (the token cache, the breaker, the degraded local check).
 */
import { BEARER_PROTOCOL_PREFIX, PROTOCOL, type CloseReasonCode } from "@tether/protocol";
import type { TokenValidation } from "../../shared/auth-gateway.js";
import { BACKEND_SETTINGS } from "../../shared/backend-config.js";
import { ApiError, type ErrorCode } from "../../shared/errors.js";
import { bearerTokenOf, errorResponse } from "../../shared/http.js";
import { acceptAndClose, offeredProtocols } from "../../shared/socket-io.js";
import { USER_PERMISSIONS } from "../../shared/tokens.js";
import { authGateway } from "../gateway.js";
import { refuseUpgrade } from "../ws-upgrade.js";
import { callerOf, TETHER_CALLER_HEADER } from "./caller.js";
import { recordConnect } from "./connect-record.js";
import type { TetherAgentsEnv } from "./env.js";
import { instanceOwnership } from "./instance-owner.js";

export interface TetherGuardOptions {
  /**
   * The Agent classes behind the guard, by their binding names in the env (`"Chat"`). A route to
   * any other binding — another Durable Object, the session directory itself — is 404.
   */
  agents: readonly string[];
}

/** What routeAgentRequest passes each hook: the binding's name and the instance's, as in the URL. */
export interface AgentRoute {
  className: string;
  name: string;
}

export interface TetherGuard {
  onBeforeConnect(request: Request, route: AgentRoute): Promise<Request | Response>;
  onBeforeRequest(request: Request, route: AgentRoute): Promise<Request | Response>;
}

type Refusal =
  /** The token's verdict: closed as /ws closes it (4401, 4001, 4003, 1011), or /api's 401/503. */
  | { kind: "token"; code: Extract<TokenValidation, { ok: false }>["code"]; message: string; headers: Record<string, string> }
  /** The request's own fault: `close` null answers an upgrade over HTTP too (nothing to read there). */
  | { kind: "request"; close: CloseReasonCode | null; code: ErrorCode; message: string; headers?: Record<string, string> };

const request400 = (message: string): Refusal => ({ kind: "request", close: "invalid_request", code: "invalid_request", message });

async function admit(
  env: TetherAgentsEnv,
  options: TetherGuardOptions,
  request: Request,
  route: AgentRoute,
  upgrade: boolean,
): Promise<Request | Refusal> {
  if (!options.agents.includes(route.className))
    return { kind: "request", close: null, code: "not_found", message: "No such agent." } satisfies Refusal;
  const offered = offeredProtocols(request);
  const token =
    bearerTokenOf(request) ?? offered.find((part) => part.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
  if (!token) {
    const message = "Send the access token as `Authorization: Bearer <token>` or the `bearer.<token>` subprotocol.";
    return { kind: "token", code: "invalid_token", message, headers: { "WWW-Authenticate": "Bearer" } } satisfies Refusal;
  }
  // A socket is verified as /ws verifies one: the signature here, revocation by the user's
  // directory (recordConnect, below). An HTTP request is checked with auth, as /api is.
  const gateway = authGateway(env, BACKEND_SETTINGS);
  const validation = upgrade ? await gateway.verifyAccessToken(token) : await gateway.validate(token);
  if (!validation.ok) {
    const headers: Record<string, string> =
      validation.code === "auth_unavailable" ? { "Retry-After": String(validation.retryAfterSeconds) } : { "WWW-Authenticate": "Bearer" };
    return { kind: "token", code: validation.code, message: validation.message, headers } satisfies Refusal;
  }
  const claims = validation.claims;
  const owner = instanceOwnership(route.name, claims.sub);
  if (owner.kind === "malformed") return request400(owner.message);
  // Another user's instance is never reached, whatever the token may do there.
  if (owner.kind === "other") {
    return {
      kind: "request",
      close: "forbidden",
      code: "forbidden",
      message: "This agent instance belongs to another user.",
    } satisfies Refusal;
  }
  if (!claims.permissions.includes(USER_PERMISSIONS.runAgents)) {
    const message = `This needs the ${USER_PERMISSIONS.runAgents} permission.`;
    return { kind: "request", close: "forbidden", code: "permission_denied", message } satisfies Refusal;
  }
  if (upgrade) {
    // Revocation must be able to find this connection before it exists (session-directory.ts).
    const recorded = await recordConnect(
      env,
      { userId: claims.sub, sessionId: claims.sid },
      { binding: route.className, name: route.name },
    );
    if (recorded === "session_revoked") {
      return { kind: "token", code: "token_revoked", message: "The session has been revoked.", headers: {} } satisfies Refusal;
    }
    if (recorded === "too_many_instances") {
      return {
        kind: "request",
        close: "rate_limited",
        code: "rate_limited",
        message: "This user reached too many agent instances.",
      } satisfies Refusal;
    }
  }
  // The token goes no further than this Worker: the Agent gets the verified caller instead, in a
  // header this sets after deleting whatever the client sent under that name.
  const headers = new Headers(request.headers);
  headers.delete("Authorization");
  headers.delete("Sec-WebSocket-Protocol");
  headers.delete(TETHER_CALLER_HEADER);
  if (offered.includes(PROTOCOL)) headers.set("Sec-WebSocket-Protocol", PROTOCOL);
  headers.set(TETHER_CALLER_HEADER, JSON.stringify(callerOf(claims)));
  return new Request(request, { headers });
}

function refuseHttp(refusal: Refusal): Response {
  return errorResponse(new ApiError(refusal.code, refusal.message, refusal.headers));
}

/**
 * A refused upgrade is accepted and closed at once with a typed code and a JSON reason, as `/ws`
 * refuses: a browser reports a refused handshake as 1006, like a network fault, and retries.
 */
function refuseSocket(request: Request, refusal: Refusal): Response {
  if (refusal.kind === "token") return refuseUpgrade(request, refusal.code);
  if (refusal.close === null) return refuseHttp(refusal);
  return acceptAndClose(request, refusal.close, refusal.message);
}

export function tetherGuard(env: TetherAgentsEnv, options: TetherGuardOptions): TetherGuard {
  return {
    async onBeforeConnect(request, route) {
      const admitted = await admit(env, options, request, route, true);
      return admitted instanceof Request ? admitted : refuseSocket(request, admitted);
    },
    async onBeforeRequest(request, route) {
      const admitted = await admit(env, options, request, route, false);
      return admitted instanceof Request ? admitted : refuseHttp(admitted);
    },
  };
}
