import { defineConfig } from "tsdown";

/**
 * @tether/server's build: ESM with declarations into dist/. Its own parts (this folder,
 * durable-objects/, workers/app-data/, workers/shared/) and @tether/protocol (a workspace
 * package, not published) are bundled in; libraries stay imports, so an app's `ai` and `zod` are
 * the ones the agent API uses.
 */
export default defineConfig({
  entry: { index: "index.ts", agent: "agent.ts" },
  format: "esm",
  platform: "neutral",
  target: "es2022",
  outDir: "dist",
  clean: true,
  tsconfig: "tsconfig.json",
  dts: { eager: true },
  deps: {
    alwaysBundle: ["@tether/protocol"],
    neverBundle: [/^cloudflare:/, "ai", "zod", /^hono(\/|$)/, "jose", /^drizzle-orm(\/|$)/, "workers-ai-provider"],
  },
});
