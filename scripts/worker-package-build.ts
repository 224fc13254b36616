import { defineConfig, type UserConfig } from "tsdown";

/**
 * The build of a Worker package (@tether/server, @tether/auth): ESM with declarations into dist/,
 * for the Workers runtime. Its own sources and @tether/protocol (a workspace package, not
 * published) are bundled in; `libraries` — and `cloudflare:*` — stay imports, resolved from the app.
 */
export function workerPackageBuild(entry: Record<string, string>, libraries: Array<string | RegExp>): UserConfig {
  return defineConfig({
    entry,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outDir: "dist",
    clean: true,
    tsconfig: "tsconfig.json",
    dts: { eager: true },
    deps: { alwaysBundle: ["@tether/protocol"], neverBundle: [/^cloudflare:/, ...libraries] },
  });
}
