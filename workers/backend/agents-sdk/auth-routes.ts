/**
 * @module
 * `forwardToTetherAuth(request, env)`: the auth Worker's routes (`/auth/*`, `/.well-known/*`) on
 * the Agents app's own origin, over the `AUTH` binding, as Tether's backend serves them — so a
 * page signs in where its Agents live. A logout forwarded here also drops its token from this
 * isolate's token cache at once.
 */
import { BACKEND_SETTINGS } from "../../shared/backend-config.js";
import { bearerTokenOf, boundedBody, errorResponse, MAX_JSON_BODY_BYTES } from "../../shared/http.js";
import { ApiError } from "../../shared/errors.js";
import { authGateway } from "../gateway.js";
import type { TetherAgentsEnv } from "./env.js";

const LOGOUT_PATHS = new Set(["/auth/logout", "/auth/logout-all"]);

/** The auth Worker's answer for its routes; null for any other path (the app's own). */
export async function forwardToTetherAuth(request: Request, env: TetherAgentsEnv): Promise<Response | null> {
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith("/auth/") && !pathname.startsWith("/.well-known/")) return null;
  let body: Uint8Array | null;
  try {
    // Bounded and read first, as the backend forwards: auth's bodies are small.
    body = request.body === null ? null : await boundedBody(request, MAX_JSON_BODY_BYTES);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
  const response = await env.AUTH.fetch(new Request(request, { body }));
  const token = LOGOUT_PATHS.has(pathname) && request.method === "POST" ? bearerTokenOf(request) : null;
  if (token !== null) await authGateway(env, BACKEND_SETTINGS).forget(token);
  return response;
}
