// A Worker's bundle with its D1 bindings metered (bench/hosts/workerd/d1-meter.ts): a small entry,
// generated here, re-exports everything the Worker's own bundle exports, its default handler and
// its classes (Durable Objects, entrypoints) given a metered env. It bundles the Worker's
// already-built bundle, not its sources, so the product's bundle stays what W7 measures.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { WORKER_MODULE_BUILD } from "../../test/support/node/bundled-worker.ts";

export interface MeterD1Options {
  /** The meter's route: `/bench-d1/<scope>`. */
  scope: string;
}

/** The bundle's named exports, as esbuild reads them (every one is wrapped: a new class cannot slip by unmetered). */
async function exportsOf(bundlePath: string): Promise<string[]> {
  const { metafile } = await build({ entryPoints: [bundlePath], bundle: false, write: false, metafile: true, logLevel: "warning" });
  return Object.values(metafile.outputs).flatMap((output) => output.exports.filter((name) => name !== "default"));
}

const METER_MODULE = resolve("bench/hosts/workerd/d1-meter.ts");
const OUTPUT_DIR = resolve(".build/bench/metered");

/** Writes and bundles the metered entry around `bundlePath`, metering the D1 bindings named; returns the new bundle's path. */
export async function meteredBundle(name: string, bundlePath: string, databases: string[], { scope }: MeterD1Options): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const entry = join(OUTPUT_DIR, `${name}.entry.js`);
  const outfile = join(OUTPUT_DIR, `${name}.js`);
  const lines = [
    `import * as worker from ${JSON.stringify(bundlePath)};`,
    `import { meterDatabases, meteredExport, meteredWorker } from ${JSON.stringify(METER_MODULE)};`,
    `meterDatabases(${JSON.stringify(databases)});`,
    `export default meteredWorker(${JSON.stringify(scope)}, worker.default);`,
    ...(await exportsOf(bundlePath)).map((exported) => `export const ${exported} = meteredExport(worker.${exported});`),
  ];
  writeFileSync(entry, `${lines.join("\n")}\n`);
  await build({ ...WORKER_MODULE_BUILD, entryPoints: [entry], outfile });
  return outfile;
}
