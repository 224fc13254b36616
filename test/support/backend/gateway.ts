import { env } from "cloudflare:workers";
import type { AuthGatewayOptions } from "../../../workers/shared/auth-gateway.js";

/**
 * Options for an `AuthGateway` built by a test around its own auth binding (failing, hanging,
 * answering garbage): the backend's real service credentials, a small cache, and a breaker quick
 * enough to open within a test.
 */
export function testGatewayOptions(breaker: Partial<AuthGatewayOptions["breaker"]> = {}): AuthGatewayOptions {
  // The backend project's service credentials.
  return {
    serviceId: env.AUTH_SERVICE_ID,
    serviceSecret: env.AUTH_SERVICE_SECRET,
    issuer: "http://localhost:8787",
    audience: "tether-api",
    cacheTtlSeconds: 30,
    cacheMaxEntries: 100,
    breaker: { failureThreshold: 2, callTimeoutMs: 50, cooldownMs: 1000, halfOpenProbes: 1, ...breaker },
  };
}
