import { createMiddleware } from "hono/factory";
import { ApiError } from "../shared/errors.js";
import { bearerToken } from "../shared/http.js";
import type { RpcResult } from "../shared/rpc.js";
import type { AccessClaims } from "../shared/tokens.js";
import { authClient } from "./auth-client.js";
import type { BackendBindings } from "./config.js";

export interface BackendAppEnv {
  Bindings: BackendBindings;
  Variables: { claims: AccessClaims };
}

const USER_TOKEN_FAILURES = new Set(["invalid_token", "token_expired", "token_revoked"]);

/**
 * Validates a user's access token through the auth Worker. A verdict about the token is a 401;
 * anything else (auth refused our service token, the binding failed) means auth is unavailable:
 * 503 with Retry-After, never a 500 and never a hang.
 */
export async function validateUserToken(env: BackendBindings, token: string): Promise<RpcResult<AccessClaims>> {
  let result: RpcResult<AccessClaims>;
  try {
    result = await authClient(env).validateAccessToken(token);
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
    return { ok: false, error: { code: "auth_unavailable", message: "The auth service is unavailable." } };
  }
  if (result.ok || USER_TOKEN_FAILURES.has(result.error.code)) return result;
  return { ok: false, error: { code: "auth_unavailable", message: "The auth service is unavailable." } };
}

export const requireUser = createMiddleware<BackendAppEnv>(async (c, next) => {
  const token = bearerToken(c);
  if (token === null) {
    throw new ApiError("invalid_token", "Send the token as `Authorization: Bearer <token>`.", { "WWW-Authenticate": "Bearer" });
  }
  const result = await validateUserToken(c.env, token);
  if (!result.ok) {
    const headers: Record<string, string> = result.error.code === "auth_unavailable" ? { "Retry-After": "5" } : { "WWW-Authenticate": "Bearer" };
    throw new ApiError(result.error.code, result.error.message, headers);
  }
  c.set("claims", result.value);
  await next();
});
