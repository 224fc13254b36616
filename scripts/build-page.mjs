// Bundles the demo page's script (public/src/app.ts, with the client SDK) into public/build/.
// wrangler runs this before `wrangler dev` and `wrangler deploy` (the [build] of wrangler.toml).
import { build } from "esbuild";

await build({
  entryPoints: ["public/src/app.ts"],
  outfile: "public/build/app.js",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: "linked",
  minify: true,
  logLevel: "warning",
});
