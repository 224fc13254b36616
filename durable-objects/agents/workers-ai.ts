/**
 * @module
 * Workers AI through the AI SDK adapter: `AGENT = "workers-ai"`, the `ai` binding named `AI`,
 * and `WORKERS_AI_MODEL` (docs/agents.md).
 */
import { createWorkersAI } from "workers-ai-provider";
import { aiSdkAgent } from "./ai-sdk.js";
import type { Agent } from "./agent.js";
import { calculator } from "./tools/calculator.js";

export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

export interface WorkersAiEnv {
  AI?: Ai;
  WORKERS_AI_MODEL?: string;
}

const INSTRUCTIONS = [
  "You are the assistant of a chat app built on Tether.",
  `Answer briefly. For arithmetic, call the ${calculator.name} tool rather than computing in your head.`,
].join(" ");

/** Throws (a configuration problem, reported at /health) when the binding is missing. */
export function workersAiAgent(env: WorkersAiEnv): Agent<WorkersAiEnv> {
  const binding = env.AI;
  if (!binding)
    throw new Error('AGENT is "workers-ai" but there is no Workers AI binding: add "ai": { "binding": "AI" } to wrangler.jsonc');
  const modelId = env.WORKERS_AI_MODEL?.trim() || DEFAULT_WORKERS_AI_MODEL;
  const workersAi = createWorkersAI({ binding });
  return aiSdkAgent<WorkersAiEnv>({ name: "workers-ai", model: workersAi(modelId), instructions: INSTRUCTIONS });
}
