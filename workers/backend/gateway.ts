import { AuthGateway } from "../shared/auth-gateway.js";
import { backendConfig, type BackendSettings } from "../shared/backend-config.js";
import type { BackendBindings } from "./config.js";

/**
 * One gateway per isolate: its token cache, circuit breaker and service token are shared by
 * every request this isolate serves (state is per isolate by design, docs/architecture.md).
 */
let isolateGateway: { env: BackendBindings; gateway: AuthGateway } | null = null;

export function authGateway(env: BackendBindings, settings: BackendSettings): AuthGateway {
  if (isolateGateway?.env !== env) isolateGateway = { env, gateway: new AuthGateway(env.AUTH, backendConfig(env, settings).gateway) };
  return isolateGateway.gateway;
}
