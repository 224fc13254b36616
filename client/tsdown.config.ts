import { defineConfig } from "tsdown";

/**
 * The package build: ESM with declarations into dist/. @tether/protocol (a workspace package, not
 * published) is bundled in, types and all; the runtime dependencies and React stay imports.
 */
export default defineConfig({
  entry: { index: "index.ts", react: "react.ts" },
  format: "esm",
  platform: "neutral",
  target: "es2022",
  outDir: "dist",
  clean: true,
  tsconfig: "tsconfig.build.json",
  dts: { eager: true },
  deps: { alwaysBundle: ["@tether/protocol"], neverBundle: ["react", "exponential-backoff", "idb-keyval"] },
});
