/**
 * The backend of the agents project (vitest.config.ts): an app on @tether/server like a team's,
 * with the test agents of test-agents.ts beside the demo and Workers AI. `AGENT = "test"` there.
 */
import { builtInTools, demoAgent, sendSummary, tether, workersAiAgent } from "@tether/server";
import { routingAgent } from "./test-agents.js";

const app = tether({
  agents: { demo: demoAgent, "workers-ai": workersAiAgent, test: routingAgent },
  defaultAgent: "test",
  tools: [...builtInTools, sendSummary],
});

export default app.worker;
export class UserSession extends app.UserSession {}
export class SessionControl extends app.SessionControl {}
