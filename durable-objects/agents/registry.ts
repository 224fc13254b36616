/**
 * @module
 * The agents `AGENT` can name, and the tools they get. To plug in your own agent, register it
 * (README, "Bring your own agent") and set `AGENT` to its name; add what it reads from the
 * environment to {@link AgentHostEnv}.
 */
import { BACKEND_SETTINGS } from "../../workers/shared/backend-config.js";
import { readSetting } from "../../workers/shared/config.js";
import type { Agent, Tool } from "./agent.js";
import { demoAgent } from "./demo.js";
import { paced } from "./paced.js";
import { calculator } from "./tools/calculator.js";
import { wordCount } from "./tools/word-count.js";
import { workersAiAgent, type WorkersAiEnv } from "./workers-ai.js";

/** What of the backend's environment agents may read: its vars and bindings. */
export interface AgentHostEnv extends WorkersAiEnv {
  AGENT?: string;
  DEMO_AGENT_STEP_DELAY_MS?: string;
}

/** Makes the agent for a session object; a throw is a configuration problem it names. */
export type AgentFactory = (env: AgentHostEnv) => Agent<AgentHostEnv>;

/** Add yours to this map, or register it from a module of your own with {@link registerAgent}. */
const agents = new Map<string, AgentFactory>([
  ["demo", (env) => paced(demoAgent, readSetting(env, BACKEND_SETTINGS.demoAgentStepDelayMs))],
  ["workers-ai", workersAiAgent],
]);

/**
 * Makes an agent available under `name`, for `AGENT` to choose. Call it at the top level of a
 * module the backend's entry imports, so it runs before any session object chooses.
 */
export function registerAgent(name: string, factory: AgentFactory): void {
  agents.set(name, factory);
}

export function agentNames(): string[] {
  return [...agents.keys()];
}

export const DEFAULT_AGENT = "demo";

/** The tools every run gets. */
export const AGENT_TOOLS: readonly Tool[] = [calculator, wordCount];

export type AgentChoice = { ok: true; agent: Agent<AgentHostEnv> } | { ok: false; problem: string };

/** The agent `AGENT` names, or why there is none (shown at /health, logged on a message). */
export function chooseAgent(env: AgentHostEnv): AgentChoice {
  const name = env.AGENT?.trim() || DEFAULT_AGENT;
  const factory = agents.get(name);
  if (!factory) return { ok: false, problem: `AGENT is "${name}", which names no agent (known: ${agentNames().join(", ")})` };
  try {
    return { ok: true, agent: factory(env) };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : `AGENT "${name}" could not be made` };
  }
}
