/**
 * @module
 * `@tether/server/agent`: the agent API alone — agents, tools, the AI SDK adapter — with nothing
 * of the Workers runtime, so an app's agents and tools run in a plain Node test too. The main
 * entry (`@tether/server`) exports all of it as well.
 */
export {
  ApprovalPending,
  defineTool,
  type Agent,
  type ApprovalDecision,
  type ApprovalResumption,
  type AgentEnv,
  type AgentEvent,
  type AgentRun,
  type AgentUser,
  type HistoryMessage,
  type Tool,
  type Toolbox,
  type ToolOutcome,
} from "../../durable-objects/agents/agent.js";
export type { AgentEntry, AgentFactory } from "../../durable-objects/agents/agent-catalog.js";
export { aiSdkAgent, type AiSdkAgentOptions } from "../../durable-objects/agents/ai-sdk.js";
export { workersAiAgent, DEFAULT_WORKERS_AI_MODEL, type WorkersAiEnv } from "../../durable-objects/agents/workers-ai.js";
export { demoAgent, type DemoAgentEnv } from "../../durable-objects/agents/demo.js";
export { paced } from "../../durable-objects/agents/paced.js";
export { builtInTools } from "../../durable-objects/agents/tools/built-in.js";
export { calculator } from "../../durable-objects/agents/tools/calculator.js";
export { wordCount } from "../../durable-objects/agents/tools/word-count.js";
export { sendSummary } from "../../durable-objects/agents/tools/send-summary.js";
export { toolbox } from "../../durable-objects/agents/toolbox.js";
