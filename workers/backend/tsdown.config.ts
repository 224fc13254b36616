import { workerPackageBuild } from "../../scripts/worker-package-build.ts";

// @tether/server: this folder, durable-objects/, workers/app-data/ and workers/shared/ bundled in;
// `ai` and `zod` stay imports, so an app's own are the ones the agent API uses.
export default workerPackageBuild({ index: "index.ts", agent: "agent.ts" }, [
  "ai",
  "zod",
  /^hono(\/|$)/,
  "jose",
  /^drizzle-orm(\/|$)/,
  "workers-ai-provider",
]);
