#!/usr/bin/env node
// The client SDK's browser entry as an app would ship it: bundled with its dependencies,
// minified, gzipped. `npm run size` prints the figures and fails past the budget; the test suite
// checks the budget too (test/e2e/client-size.test.ts).
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

/** The budget of the browser entry, React excluded (it has its own entry). */
export const CLIENT_GZIP_BUDGET_BYTES = 12 * 1024;

export async function clientSize() {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../client/index.ts", import.meta.url))],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minifiedBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minifiedBytes, gzipBytes } = await clientSize();
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(
    `@tether/client (browser entry, with its dependencies): ${kb(minifiedBytes)} minified, ${kb(gzipBytes)} gzip; budget ${kb(CLIENT_GZIP_BUDGET_BYTES)} gzip`,
  );
  if (gzipBytes > CLIENT_GZIP_BUDGET_BYTES) {
    console.error("over budget");
    process.exitCode = 1;
  }
}
