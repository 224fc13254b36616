import { createMiddleware } from "hono/factory";
import { ApiError } from "../shared/errors.js";
import { bearerToken } from "../shared/http.js";
import { isLoopbackUrl } from "../shared/loopback.js";
import { reportConfigProblemsOnce } from "../shared/request-log.js";
import { verifyServiceToken } from "../shared/service-token.js";
import { TokenError } from "../shared/token-errors.js";
import { AUTH_SERVICE_NAME, type ServiceClaims } from "../shared/tokens.js";
import type { AuthBindings } from "./config.js";
import { authConfigProblems } from "./config-check.js";
import { authContext, type AuthContext } from "./context.js";
import { authenticateAccessToken, type AuthenticatedAccess } from "./sessions.js";

export interface AuthAppEnv {
  Bindings: AuthBindings;
  Variables: {
    auth: AuthContext;
    access: AuthenticatedAccess;
    service: ServiceClaims;
    requestId: string;
    /** Set once a route has authenticated its user: the request log names them. */
    userId?: string;
  };
}

export const withAuthContext = createMiddleware<AuthAppEnv>(async (c, next) => {
  c.set("auth", authContext(c.env, isLoopbackUrl(c.req.url) ? "loopback" : "public"));
  reportConfigProblemsOnce(c.env, "auth", authConfigProblems(c.env));
  await next();
  // Token responses and user data must never sit in a shared cache.
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
});

/**
 * Development features (dev login, the dev mailbox) answer only when ENVIRONMENT is development
 * *and* the request is addressed to a loopback host; otherwise 403 `dev_login_disabled`, before
 * the body is read.
 */
export const requireDevFeatures = createMiddleware<AuthAppEnv>(async (c, next) => {
  if (!c.var.auth.devFeatures) {
    throw new ApiError("dev_login_disabled", "Development features are only available in development, on a loopback host.");
  }
  await next();
});

/**
 * Routes that mint access tokens check the signing keys before anything else: without them the
 * answer is 503 `signing_keys_unavailable`, and no account is created, no refresh token spent.
 */
export const requireAccessKeys = createMiddleware<AuthAppEnv>(async (c, next) => {
  await c.var.auth.accessKeys();
  await next();
});

function requireBearer(token: string | null, missingCode: "invalid_token" | "service_token_required"): string {
  if (token === null) {
    throw new ApiError(missingCode, "Send the token as `Authorization: Bearer <token>`.", {
      "WWW-Authenticate": "Bearer",
    });
  }
  return token;
}

/** A user access token whose session is live. */
export const requireUser = createMiddleware<AuthAppEnv>(async (c, next) => {
  const token = requireBearer(bearerToken(c), "invalid_token");
  try {
    const access = await authenticateAccessToken(c.var.auth, token);
    c.set("access", access);
    c.set("userId", access.user.id);
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(error.code, error.message, { "WWW-Authenticate": "Bearer" });
    throw error;
  }
  await next();
});

/** A service token addressed to the auth Worker; a user token here is refused. */
export const requireService = createMiddleware<AuthAppEnv>(async (c, next) => {
  const token = requireBearer(bearerToken(c), "service_token_required");
  c.set("service", await verifyServiceCaller(c.var.auth, token));
  await next();
});

/**
 * Service tokens already verified in this isolate, until their expiry. A caller presents the same
 * token for five minutes, so without this every RPC call paid a second signature check. Bounded;
 * the oldest entry goes first.
 */
const verifiedByContext = new WeakMap<AuthContext, Map<string, ServiceClaims>>();
const MAX_VERIFIED_SERVICE_TOKENS = 256;

/** Shared by the HTTP route and every RPC method: verifies the caller's service token. */
export async function verifyServiceCaller(auth: AuthContext, token: string): Promise<ServiceClaims> {
  let verifiedServiceTokens = verifiedByContext.get(auth);
  if (!verifiedServiceTokens) verifiedByContext.set(auth, (verifiedServiceTokens = new Map()));
  const known = verifiedServiceTokens.get(token);
  if (known && known.exp * 1000 > Date.now()) return known;
  try {
    const keys = await auth.serviceKeys();
    const claims = await verifyServiceToken(token, keys.verificationKeys, {
      issuer: auth.config.issuer,
      audience: AUTH_SERVICE_NAME,
    });
    if (verifiedServiceTokens.size >= MAX_VERIFIED_SERVICE_TOKENS) {
      const oldest = verifiedServiceTokens.keys().next().value;
      if (oldest !== undefined) verifiedServiceTokens.delete(oldest);
    }
    verifiedServiceTokens.set(token, claims);
    return claims;
  } catch (error) {
    if (error instanceof TokenError) {
      throw new ApiError("invalid_service", "A valid service token addressed to the auth service is required.");
    }
    throw error;
  }
}

/**
 * Rate limits a route per client address with the Workers rate-limiting binding. The binding
 * counts per location and does not say when the window ends, so Retry-After is its full period.
 */
export function rateLimit(route: string) {
  return createMiddleware<AuthAppEnv>(async (c, next) => {
    const client = c.req.header("CF-Connecting-IP") ?? "unknown";
    const { success } = await c.env.AUTH_RATE_LIMITER.limit({ key: `${route}:${client}` });
    if (!success) {
      throw new ApiError("rate_limited", "Too many attempts; try again later.", { "Retry-After": "60" });
    }
    await next();
  });
}

export function clientInfo(c: { req: { header(name: string): string | undefined } }) {
  return {
    userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null,
    ipAddress: c.req.header("CF-Connecting-IP")?.slice(0, 64) ?? null,
  };
}
