/**
 * @module
 * `@tether/server`: the backend Worker, its session objects and the agent API, for an app to
 * depend on (docs/getting-started.md, docs/agents.md, docs/tools.md).
 */
export { tether, type TetherApp, type TetherOptions } from "./tether.js";
export type { BackendBindings } from "./config.js";
export type { UserSessionEnv } from "../../durable-objects/user-session.js";
export { TetherConfigError } from "../shared/config-error.js";
export { BACKEND_SETTINGS, type BackendLimits } from "../shared/backend-config.js";
export {
  defineTool,
  type Agent,
  type AgentEnv,
  type AgentEvent,
  type AgentRun,
  type AgentUser,
  type HistoryMessage,
  type Tool,
  type Toolbox,
  type ToolOutcome,
} from "../../durable-objects/agents/agent.js";
export type { AgentFactory, AgentEntry } from "../../durable-objects/agents/agent-catalog.js";
export { aiSdkAgent, type AiSdkAgentOptions } from "../../durable-objects/agents/ai-sdk.js";
export { workersAiAgent, DEFAULT_WORKERS_AI_MODEL, type WorkersAiEnv } from "../../durable-objects/agents/workers-ai.js";
export { demoAgent, type DemoAgentEnv } from "../../durable-objects/agents/demo.js";
export { paced } from "../../durable-objects/agents/paced.js";
export { builtInTools } from "../../durable-objects/agents/tools/built-in.js";
export { calculator } from "../../durable-objects/agents/tools/calculator.js";
export { wordCount } from "../../durable-objects/agents/tools/word-count.js";
