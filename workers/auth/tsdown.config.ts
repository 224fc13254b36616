import { defineConfig } from "tsdown";

/**
 * @tether/auth's build: ESM with declarations into dist/. Its own parts (this folder and
 * workers/shared/) and @tether/protocol (a workspace package, not published) are bundled in;
 * libraries stay imports.
 */
export default defineConfig({
  entry: { index: "index.ts" },
  format: "esm",
  platform: "neutral",
  target: "es2022",
  outDir: "dist",
  clean: true,
  tsconfig: "tsconfig.json",
  dts: { eager: true },
  deps: {
    alwaysBundle: ["@tether/protocol"],
    neverBundle: [/^cloudflare:/, "zod", /^hono(\/|$)/, "jose", /^drizzle-orm(\/|$)/, "oauth4webapi"],
  },
});
