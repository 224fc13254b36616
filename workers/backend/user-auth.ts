import { createMiddleware } from "hono/factory";
import { ApiError } from "../shared/errors.js";
import { requireBearerToken } from "../shared/http.js";
import type { AccessClaims, UserPermission } from "../shared/tokens.js";
import type { SessionSetup } from "../../durable-objects/session-setup.js";
import type { BackendBindings } from "./config.js";
import { authGateway } from "./gateway.js";

export interface BackendAppEnv {
  Bindings: BackendBindings;
  Variables: {
    claims: AccessClaims;
    requestId: string;
    /** The app's `tether()` options, checked (set for every request by the app's handler). */
    setup: SessionSetup;
    /** Set once a route has authenticated its user: the request log names them. */
    userId?: string;
  };
}

/**
 * A user access token, validated through the auth gateway (cache, breaker, degraded local
 * check). A verdict about the token is a 401; auth unavailable with no keys to fall back on is
 * a 503 with Retry-After. A degraded answer says so in `X-Auth-Degraded: 1`.
 */
export const requireAccessToken = createMiddleware<BackendAppEnv>(async (c, next) => {
  const validation = await authGateway(c.env, c.var.setup.settings).validate(requireBearerToken(c));
  if (!validation.ok) {
    if (validation.code === "auth_unavailable") {
      throw new ApiError("auth_unavailable", validation.message, { "Retry-After": String(validation.retryAfterSeconds) });
    }
    throw new ApiError(validation.code, validation.message, { "WWW-Authenticate": "Bearer" });
  }
  c.set("claims", validation.claims);
  c.set("userId", validation.claims.sub);
  await next();
  if (validation.degraded) c.header("X-Auth-Degraded", "1");
});

/** The validated token must hold `permission` (docs/protocol.md, Tokens); otherwise 403 `permission_denied`. */
export function requirePermission(permission: UserPermission) {
  return createMiddleware<BackendAppEnv>(async (c, next) => {
    if (!c.var.claims.permissions.includes(permission)) {
      throw new ApiError("permission_denied", `This needs the ${permission} permission.`);
    }
    await next();
  });
}
