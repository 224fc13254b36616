import { workerPackageBuild } from "../../scripts/worker-package-build.ts";

// @tether/auth: this folder and workers/shared/ bundled in.
export default workerPackageBuild({ index: "index.ts" }, ["zod", /^hono(\/|$)/, "jose", /^drizzle-orm(\/|$)/, "oauth4webapi"]);
