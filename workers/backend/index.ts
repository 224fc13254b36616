/**
 * @module
 * `@tether/server`: the backend Worker, its session objects and the agent API, for an app to
 * depend on (docs/getting-started.md, docs/agents.md, docs/tools.md).
 */
export { tether, type TetherApp, type TetherOptions } from "./tether.js";
export type { BackendBindings } from "./config.js";
export type { PublishEvent, PublishEventResult, RpcResult, SessionControlApi } from "../shared/rpc.js";
export type { UserSessionEnv } from "../../durable-objects/user-session.js";
export { TetherConfigError } from "../shared/config-error.js";
export { BACKEND_SETTINGS, type BackendLimits } from "../shared/backend-config.js";
export * from "./agent.js";
