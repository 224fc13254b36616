import type { BackendVars } from "../../shared/backend-config.js";
import type { AuthServiceApi } from "../../shared/rpc.js";
import type { TetherAgentSessions } from "./session-directory.js";

/**
 * What an Agents SDK app behind Tether's guard binds (docs/agents-sdk.md): the auth Worker's
 * `AuthService` entrypoint as `AUTH`, the same service credentials and token settings as Tether's
 * backend (it is a registered service client), and the session directory's namespace. The
 * backend's numeric settings (`AUTH_CACHE_TTL_SECONDS`, the breaker's) are read from the same vars.
 */
export interface TetherAgentsEnv extends BackendVars {
  AUTH: Fetcher & AuthServiceApi;
  TETHER_AGENT_SESSIONS: DurableObjectNamespace<TetherAgentSessions>;
}
