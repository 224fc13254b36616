/**
 * @module
 * Who may call the backend as a service: the one check of a service token addressed to the
 * backend — issuer, audience, the auth Worker's service keys, token type — then the caller's
 * subject where the call needs a particular one, and the permission. `SessionControl`'s session
 * sync accepts only the auth Worker itself; publishing events (event-publish.ts) any service
 * holding `events:publish`.
 */
import type { BackendSettings } from "../shared/backend-config.js";
import { ApiError } from "../shared/errors.js";
import { verifyServiceToken } from "../shared/service-token.js";
import { TokenError } from "../shared/token-errors.js";
import { BACKEND_SERVICE_NAME, type ServiceClaims, type ServicePermission } from "../shared/tokens.js";
import { authGateway, type GatewayBindings } from "./gateway.js";

/** Longer than any service token the auth Worker mints; refused before any key is fetched. */
const MAX_SERVICE_TOKEN_LENGTH = 8192;
/**
 * A token that fails with the cached keys refetches them (a rotation), but on a public route at
 * most this often per isolate: anyone can send a token with an unknown `kid`, and each must not
 * cost a call to the auth Worker. The keys are refetched every 5 minutes regardless.
 */
export const PUBLIC_KEY_REFETCH_INTERVAL_MS = 10_000;
let publicRefetchAtMs = Number.NEGATIVE_INFINITY;

export interface ServiceCallerRule {
  permission: ServicePermission;
  /** The only `sub` accepted (the auth Worker's own, for session sync); any registered service when absent. */
  subject?: string;
  /** Reachable by anyone (`POST /api/events`), not only over a binding: key refetches are throttled. */
  public?: boolean;
}

/**
 * The verified claims of `serviceToken`, or a typed ApiError: `service_token_required` (none),
 * `invalid_service` (not a service token addressed to us from the expected subject),
 * `permission_denied` (a valid one without the permission), `auth_unavailable` (no keys to check
 * it with). The keys are refetched once for a token that fails with the cached ones: the auth
 * Worker may have rotated its service key.
 */
export async function verifyServiceCaller(
  env: GatewayBindings,
  settings: BackendSettings,
  serviceToken: unknown,
  rule: ServiceCallerRule,
): Promise<ServiceClaims> {
  if (typeof serviceToken !== "string" || serviceToken.length === 0 || serviceToken.length > MAX_SERVICE_TOKEN_LENGTH) {
    throw new ApiError("service_token_required", "Every call must carry a service token.");
  }
  const gateway = authGateway(env, settings);
  const expected = { issuer: env.AUTH_ISSUER, audience: BACKEND_SERVICE_NAME };
  for (const refresh of [false, true]) {
    if (refresh && rule.public) {
      if (Date.now() - publicRefetchAtMs < PUBLIC_KEY_REFETCH_INTERVAL_MS) break;
      publicRefetchAtMs = Date.now();
    }
    const keys = await gateway.serviceKeySet({ refresh });
    if (!keys) throw new ApiError("auth_unavailable", "The auth service's keys are not available.", { "Retry-After": "5" });
    try {
      const claims = await verifyServiceToken(serviceToken, keys, expected);
      // The subject, never the free-text `service` name, which any client could be registered under.
      if (rule.subject !== undefined && claims.sub !== rule.subject) break;
      if (!claims.permissions.includes(rule.permission)) {
        throw new ApiError("permission_denied", `This call needs the ${rule.permission} permission.`);
      }
      return claims;
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
    }
  }
  const minted = rule.subject === undefined ? "minted by the auth service" : "from the auth service";
  throw new ApiError("invalid_service", `A service token ${minted}, addressed to the backend, is required.`);
}
