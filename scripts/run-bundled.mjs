// Runs a TypeScript entry that Node's own type stripping cannot: one that imports the client SDK,
// whose imports use `.js` specifiers as tsc and bundlers expect. esbuild bundles our code (npm
// packages stay imports) into .build/, then Node runs it with the remaining arguments.
//   node scripts/run-bundled.mjs bench/soak.ts --short
import { spawnSync } from "node:child_process";
import { basename } from "node:path";
import { build } from "esbuild";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: run-bundled.mjs <entry.ts> [args…]");
  process.exit(2);
}
const outfile = `.build/run/${basename(entry, ".ts")}.mjs`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  logLevel: "warning",
});
const { status } = spawnSync(process.execPath, [outfile, ...args], { stdio: "inherit" });
process.exit(status ?? 1);
