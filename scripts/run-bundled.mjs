// Runs a TypeScript entry that Node's own type stripping cannot: one that imports the client SDK,
// whose imports use `.js` specifiers as tsc and bundlers expect. esbuild bundles our code, our
// workspace packages (@tether/*, shipped as TypeScript) included, into .build/; other npm packages
// stay imports. Node then runs it with the remaining arguments.
//   node scripts/run-bundled.mjs bench/soak.ts --short
import { spawnSync } from "node:child_process";
import { basename } from "node:path";
import { build } from "esbuild";
import { SOURCE_CONDITION } from "./source-conditions.mjs";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: run-bundled.mjs <entry.ts> [args…]");
  process.exit(2);
}
/** Bare specifiers stay imports, except our own workspace packages, which Node cannot run as TS. */
const externalNpmPackages = {
  name: "external-npm-packages",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, ({ path }) => (path.startsWith("@tether/") ? undefined : { path, external: true }));
  },
};
const outfile = `.build/run/${basename(entry, ".ts")}.mjs`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  conditions: [SOURCE_CONDITION],
  plugins: [externalNpmPackages],
  logLevel: "warning",
});
const { status } = spawnSync(process.execPath, [outfile, ...args], { stdio: "inherit" });
process.exit(status ?? 1);
