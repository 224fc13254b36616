import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { rateLimitClient } from "../shared/client-address.js";
import { createMiddleware } from "hono/factory";
import { setNewest } from "../shared/bounded-map.js";
import { ApiError } from "../shared/errors.js";
import { requireBearerToken } from "../shared/http.js";
import { isLoopbackUrl } from "../shared/loopback.js";
import { reportConfigProblemsOnce } from "../shared/request-log.js";
import { verifyServiceToken } from "../shared/service-token.js";
import { TokenError } from "../shared/token-errors.js";
import { AUTH_SERVICE_NAME, type ServiceClaims, type ServicePermission } from "../shared/tokens.js";
import type { AuthSetup } from "./auth-setup.js";
import type { AuthBindings } from "./config.js";
import { authConfigProblems } from "./config-check.js";
import { authContext, type AuthContext } from "./context.js";
import { serviceClients } from "./db/schema.js";
import { authenticateAccessToken, type AuthenticatedAccess } from "./sessions.js";

export interface AuthAppEnv {
  Bindings: AuthBindings;
  Variables: {
    /** The app's `tetherAuth()` options, checked (set first, by the app's handler). */
    setup: AuthSetup;
    auth: AuthContext;
    access: AuthenticatedAccess;
    service: ServiceClaims;
    requestId: string;
    /** Set once a route has authenticated its user: the request log names them. */
    userId?: string;
  };
}

export const withAuthContext = createMiddleware<AuthAppEnv>(async (c, next) => {
  const auth = authContext(c.var.setup, c.env, isLoopbackUrl(c.req.url) ? "loopback" : "public");
  c.set("auth", auth);
  reportConfigProblemsOnce(c.env, "auth", authConfigProblems(c.env, auth.config));
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

async function authenticate(c: Context<AuthAppEnv>, token: string): Promise<void> {
  try {
    const access = await authenticateAccessToken(c.var.auth, token);
    c.set("access", access);
    c.set("userId", access.user.id);
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(error.code, error.message, { "WWW-Authenticate": "Bearer" });
    throw error;
  }
}

/** A user access token whose session is live. */
export const requireUserSession = createMiddleware<AuthAppEnv>(async (c, next) => {
  await authenticate(c, requireBearerToken(c));
  await next();
});

/** A route anyone may call, which a signed-in caller calls as themselves: a token sent must be valid. */
export const optionalUserSession = createMiddleware<AuthAppEnv>(async (c, next) => {
  if (c.req.header("Authorization") !== undefined) await authenticate(c, requireBearerToken(c));
  await next();
});

/** A service token addressed to the auth Worker, holding `permission`; a user token here is refused. */
export function requireService(permission: ServicePermission) {
  return createMiddleware<AuthAppEnv>(async (c, next) => {
    const token = requireBearerToken(c, "service_token_required");
    c.set("service", await verifyServiceCaller(c.var.auth, token, permission));
    await next();
  });
}

/**
 * Service tokens already verified in this isolate, until their expiry. A caller presents the same
 * token for five minutes, so without this every RPC call paid a signature check and a database
 * read. Bounded; the oldest entry goes first.
 */
const verifiedByContext = new WeakMap<AuthContext, Map<string, ServiceClaims>>();
const MAX_VERIFIED_SERVICE_TOKENS = 256;

const INVALID_SERVICE_CALLER = "A valid service token addressed to the auth service is required.";

/**
 * Shared by the HTTP routes and every RPC method: verifies the caller's service token (issuer,
 * audience, service key, token type), that its subject is a registered service client that is not
 * disabled — the subject, never the free-text `service` name — and that it holds `permission`.
 * The permissions are the token's, cut down to what the client holds now.
 */
export async function verifyServiceCaller(auth: AuthContext, token: string, permission: ServicePermission): Promise<ServiceClaims> {
  const claims = await verifiedServiceClaims(auth, token);
  if (!claims.permissions.includes(permission)) {
    throw new ApiError("permission_denied", `This call needs the ${permission} permission.`);
  }
  return claims;
}

async function verifiedServiceClaims(auth: AuthContext, token: string): Promise<ServiceClaims> {
  let verified = verifiedByContext.get(auth);
  if (!verified) verifiedByContext.set(auth, (verified = new Map()));
  const known = verified.get(token);
  if (known && known.exp * 1000 > Date.now()) return known;
  let claims: ServiceClaims;
  try {
    const keys = await auth.serviceKeys();
    claims = await verifyServiceToken(token, keys.verificationKeys, { issuer: auth.config.issuer, audience: AUTH_SERVICE_NAME });
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError("invalid_service", INVALID_SERVICE_CALLER);
    throw error;
  }
  const client = await auth.db.select().from(serviceClients).where(eq(serviceClients.id, claims.sub)).get();
  if (!client || client.disabledAt !== null) throw new ApiError("invalid_service", INVALID_SERVICE_CALLER);
  const effective = { ...claims, permissions: claims.permissions.filter((held) => client.permissions.includes(held)) };
  setNewest(verified, token, effective, MAX_VERIFIED_SERVICE_TOKENS);
  return effective;
}

/**
 * Counts one attempt under `key` with the Workers rate-limiting binding; past the limit, 429. The
 * binding counts per location and does not say when the window ends, so Retry-After is its full period.
 */
export async function enforceRateLimit(env: AuthBindings, key: string): Promise<void> {
  const { success } = await env.AUTH_RATE_LIMITER.limit({ key });
  if (!success) throw new ApiError("rate_limited", "Too many attempts; try again later.", { "Retry-After": "60" });
}

/** Rate limits a route per client: an IPv4 address, or an IPv6 /64 (client-address.ts). */
export function rateLimit(route: string) {
  return createMiddleware<AuthAppEnv>(async (c, next) => {
    await enforceRateLimit(c.env, `${route}:${rateLimitClient(c.req.header("CF-Connecting-IP"))}`);
    await next();
  });
}

export function clientInfo(c: { req: { header(name: string): string | undefined } }) {
  return {
    userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null,
    ipAddress: c.req.header("CF-Connecting-IP")?.slice(0, 64) ?? null,
  };
}
