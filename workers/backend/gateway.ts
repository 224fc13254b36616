import { AuthGateway } from "../shared/auth-gateway.js";
import { backendConfig, type BackendSettings, type BackendVars } from "../shared/backend-config.js";
import type { BackendBindings } from "./config.js";

/** What the gateway reads of a Worker's env: the backend's, or an Agents SDK app's behind the guard. */
export type GatewayBindings = Pick<BackendBindings, "AUTH"> & BackendVars;

/**
 * One gateway per isolate: its token cache, circuit breaker and service token are shared by
 * every request this isolate serves (state is per isolate by design, docs/architecture.md).
 */
let isolateGateway: { env: GatewayBindings; gateway: AuthGateway } | null = null;

export function authGateway(env: GatewayBindings, settings: BackendSettings): AuthGateway {
  if (isolateGateway?.env !== env) isolateGateway = { env, gateway: new AuthGateway(env.AUTH, backendConfig(env, settings).gateway) };
  return isolateGateway.gateway;
}
