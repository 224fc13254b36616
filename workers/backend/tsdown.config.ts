import { workerPackageBuild } from "../../scripts/worker-package-build.ts";

// @tether/server: this folder, durable-objects/, workers/app-data/ and workers/shared/ bundled in;
// `ai` and `zod` stay imports, so an app's own are the ones the agent API uses; so does `agents`
// (`@tether/server/agents` uses its types only), the app's own Agents SDK.
export default workerPackageBuild({ index: "index.ts", agent: "agent.ts", agents: "agents-sdk/index.ts" }, [
  "ai",
  "zod",
  /^agents(\/|$)/,
  /^hono(\/|$)/,
  "jose",
  /^drizzle-orm(\/|$)/,
  "workers-ai-provider",
]);
