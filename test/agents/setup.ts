import { registerAgent } from "../../durable-objects/agents/registry.js";
import { routingAgent } from "./test-agents.js";

// AGENT = "test" in this project (vitest.config.ts): the session objects run in this isolate, so they see it.
registerAgent("test", () => routingAgent);
