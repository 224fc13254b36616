/**
 * Reads an integer from `vars` (always strings in wrangler). A missing, malformed or
 * out-of-bounds value falls back to the documented default instead of failing requests.
 */
export function readInteger(value: string | undefined, fallback: number, bounds = { min: 0, max: 31_536_000 }): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < bounds.min || parsed > bounds.max) return fallback;
  return parsed;
}

/** The auth-gateway settings of the backend and its session objects, from their vars. */
export interface AuthGatewayVars {
  AUTH_SERVICE_ID: string;
  /** Missing only in a misconfigured deployment (its /health says so); calls to auth then fail. */
  AUTH_SERVICE_SECRET?: string;
  AUTH_ISSUER: string;
  ACCESS_TOKEN_AUDIENCE: string;
  AUTH_CACHE_TTL_SECONDS?: string;
  AUTH_CACHE_MAX_ENTRIES?: string;
  AUTH_CALL_TIMEOUT_MS?: string;
  AUTH_BREAKER_FAILURE_THRESHOLD?: string;
  AUTH_BREAKER_COOLDOWN_SECONDS?: string;
  AUTH_BREAKER_HALF_OPEN_PROBES?: string;
}

export function authGatewayOptions(vars: AuthGatewayVars) {
  return {
    serviceId: vars.AUTH_SERVICE_ID,
    serviceSecret: vars.AUTH_SERVICE_SECRET ?? "",
    issuer: vars.AUTH_ISSUER,
    audience: vars.ACCESS_TOKEN_AUDIENCE,
    cacheTtlSeconds: readInteger(vars.AUTH_CACHE_TTL_SECONDS, 30, { min: 0, max: 300 }),
    cacheMaxEntries: readInteger(vars.AUTH_CACHE_MAX_ENTRIES, 10_000, { min: 0, max: 1_000_000 }),
    breaker: {
      callTimeoutMs: readInteger(vars.AUTH_CALL_TIMEOUT_MS, 2000, { min: 1, max: 60_000 }),
      failureThreshold: readInteger(vars.AUTH_BREAKER_FAILURE_THRESHOLD, 5, { min: 1, max: 1000 }),
      cooldownMs: readInteger(vars.AUTH_BREAKER_COOLDOWN_SECONDS, 30, { min: 0, max: 3600 }) * 1000,
      halfOpenProbes: readInteger(vars.AUTH_BREAKER_HALF_OPEN_PROBES, 3, { min: 1, max: 100 }),
    },
  };
}
