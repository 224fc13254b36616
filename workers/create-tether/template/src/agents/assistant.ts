// Your agent. Offline by default (Tether's demo agent, so `npm run dev` and `npm test` need no
// account anywhere); set ASSISTANT_MODEL (e.g. "@cf/meta/llama-3.3-70b-instruct-fp8-fast") and it
// is that Workers AI model through the AI SDK. Any AI SDK model works the same way.
import { aiSdkAgent, demoAgent, type Agent, type DemoAgentEnv } from "@tether/server/agent";
import { createWorkersAI } from "workers-ai-provider";
import { lookupOrder } from "../tools/lookup-order.js";

export interface AssistantEnv extends DemoAgentEnv {
  AI?: Ai;
  ASSISTANT_MODEL?: string;
}

const INSTRUCTIONS = `You help customers of __APP_NAME__. To answer about an order, call ${lookupOrder.name} with its id.`;

/** A throw here is a configuration problem: /health names it, and a message gets `error agent_unavailable`. */
export function assistant(env: AssistantEnv): Agent<AssistantEnv> {
  const modelId = env.ASSISTANT_MODEL?.trim();
  if (!modelId) return demoAgent(env);
  if (!env.AI)
    throw new Error('ASSISTANT_MODEL is set but there is no Workers AI binding: add "ai": { "binding": "AI" } to wrangler.jsonc');
  const model = createWorkersAI({ binding: env.AI })(modelId);
  return aiSdkAgent<AssistantEnv>({ name: "assistant", model, instructions: INSTRUCTIONS });
}
