/**
 * @module
 * `@tether/server/agents`: Tether as the auth in front of Cloudflare Agents SDK apps
 * (docs/agents-sdk.md) — the guard for `routeAgentRequest`, the `withTether` mixin for an Agent
 * class, the session directory and the entrypoint that session sync calls. Types of `agents` only:
 * the app brings the SDK itself.
 */
export { tetherGuard, type AgentRoute, type TetherGuard, type TetherGuardOptions } from "./guard.js";
export { withTether, type TetherAgent, type TetherAgentClass } from "./with-tether.js";
export { TetherAgentSessions, MAX_INSTANCES_PER_USER, type AgentInstanceRef, type RevocableAgent } from "./session-directory.js";
export { TetherAgentSessionControl } from "./session-control.js";
export { forwardToTetherAuth } from "./auth-routes.js";
export { TETHER_CALLER_HEADER, type TetherUser } from "./caller.js";
export type { TetherAgentsEnv } from "./env.js";
export { agentInstanceName, AGENT_INSTANCE_SEPARATOR, MAX_AGENT_INSTANCE_SUFFIX_CHARS } from "@tether/protocol";
