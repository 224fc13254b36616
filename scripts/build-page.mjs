// Bundles the demo page's script (public/src/app.ts, with the client SDK) into public/build/.
// wrangler runs this before `wrangler dev` and `wrangler deploy` (the [build] of wrangler.jsonc):
// with `--dev` (only [env.dev] passes it) a source map is written for the browser's devtools;
// otherwise none is, and one left by an earlier dev build is deleted — a map ships the build's paths.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { SOURCE_CONDITION } from "./source-conditions.mjs";

const dev = process.argv.includes("--dev");
const outfile = process.env.BUILD_PAGE_OUTFILE ?? "public/build/app.js";

await build({
  entryPoints: ["public/src/app.ts"],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  // @tether/client from its sources, as an app would from its dist/.
  conditions: [SOURCE_CONDITION],
  target: "es2022",
  sourcemap: dev ? "linked" : false,
  minify: true,
  logLevel: "warning",
});
if (!dev) rmSync(`${outfile}.map`, { force: true });
