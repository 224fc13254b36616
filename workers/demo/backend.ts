/**
 * The repository's own backend Worker (root wrangler.toml): an app on @tether/server's public
 * entry, like a team's. The demo agent answers offline; `AGENT = "workers-ai"` switches to Workers AI.
 */
import { builtInTools, demoAgent, tether, workersAiAgent } from "@tether/server";

const app = tether({ agents: { demo: demoAgent, "workers-ai": workersAiAgent }, defaultAgent: "demo", tools: builtInTools });

export default app.worker;
export class UserSession extends app.UserSession {}
export class SessionControl extends app.SessionControl {}
