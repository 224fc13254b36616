#!/usr/bin/env node
// What each of Tether's Workers uploads, and what it is made of: `wrangler deploy --dry-run` of the
// deployable (top-level) config, with our packages resolved to their sources as `npm run deploy`
// resolves them, its esbuild metafile summed by package. `node scripts/bundle-profile.mjs` prints
// raw and gzip sizes against the budgets and the heaviest packages; `--files <package>` lists that
// package's heaviest files (why a dependency weighs what it does); `--json` prints the figures.
// The benchmark can import bundleProfiles() for the same figures.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { runWrangler } from "../workers/auth/bin/local-dev.mjs";
import { WRANGLER_SOURCE_ENV } from "./source-conditions.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The Workers and their gzip budgets (issue #24): what Cloudflare counts against a script's size limit is the compressed upload. */
export const BUNDLE_BUDGETS = [
  { worker: "tether-auth", config: "workers/auth/wrangler.jsonc", gzipBudgetBytes: 150 * 1024 },
  { worker: "tether-backend", config: "wrangler.jsonc", gzipBudgetBytes: 300 * 1024 },
];

/**
 * The package a bundled file belongs to: the npm package after the last node_modules/ (scoped
 * names keep their scope), or, for our own sources, their top two folders (workers/auth,
 * durable-objects/agents), so our own weight is split by part too.
 */
export function packageOf(inputPath) {
  const parts = inputPath.split("/");
  const modules = parts.lastIndexOf("node_modules");
  if (modules >= 0) {
    const name = parts[modules + 1] ?? "";
    return name.startsWith("@") ? `${name}/${parts[modules + 2]}` : name;
  }
  return `(own) ${parts.slice(0, parts.length > 2 ? 2 : 1).join("/")}`;
}

/**
 * Bytes each input contributes to the Worker's script (bytesInOutput: after tree shaking and
 * minification, before gzip), by its path from the repository root (wrangler names inputs from
 * the config's folder).
 */
function inputsOf(metafile, config) {
  const sizes = new Map();
  for (const [outputPath, output] of Object.entries(metafile.outputs)) {
    if (!/\.m?js$/.test(outputPath)) continue;
    for (const [inputPath, { bytesInOutput }] of Object.entries(output.inputs)) {
      const path = relative(ROOT, resolve(ROOT, dirname(config), inputPath));
      sizes.set(path, (sizes.get(path) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
}

/** Sums a map of input sizes by key, heaviest first. */
function totalsBy(sizes, keyOf) {
  const totals = new Map();
  for (const [path, bytes] of sizes) totals.set(keyOf(path), (totals.get(keyOf(path)) ?? 0) + bytes);
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Builds one Worker as a deploy would into .build/bundle-profile/<worker>/ and profiles it.
 * @returns {{ worker: string, bytes: number, gzipBytes: number, gzipBudgetBytes: number, packages: Array<{ name: string, bytes: number }>, inputs: Map<string, number> }}
 */
export function bundleProfile({ worker, config, gzipBudgetBytes }) {
  const outdir = resolve(ROOT, ".build", "bundle-profile", worker);
  const metafilePath = `${outdir}.meta.json`;
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  // Absolute paths: wrangler reads relative ones from the config's folder.
  runWrangler(["deploy", "--dry-run", "-c", config, "--outdir", outdir, "--metafile", metafilePath], {
    quiet: true,
    cwd: ROOT,
    env: WRANGLER_SOURCE_ENV,
  });
  // What the upload holds: every module (source maps are uploaded beside them but not counted).
  const modules = readdirSync(outdir)
    .filter((file) => /\.(m?js|wasm)$/.test(file))
    .map((file) => readFileSync(join(outdir, file)));
  const inputs = inputsOf(JSON.parse(readFileSync(metafilePath, "utf8")), config);
  return {
    worker,
    bytes: modules.reduce((total, content) => total + content.byteLength, 0),
    gzipBytes: modules.reduce((total, content) => total + gzipSync(content, { level: 9 }).byteLength, 0),
    gzipBudgetBytes,
    packages: totalsBy(inputs, packageOf),
    inputs,
  };
}

/** Both Workers, one after the other (each wrangler run is a full build). */
export function bundleProfiles() {
  return BUNDLE_BUDGETS.map(bundleProfile);
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const filesOf = args.includes("--files") ? args[args.indexOf("--files") + 1] : undefined;
  const top = args.includes("--top") ? Number(args[args.indexOf("--top") + 1]) : 15;
  const profiles = bundleProfiles();
  if (args.includes("--json")) {
    const figures = profiles.map(({ inputs: _inputs, ...figures }) => figures);
    console.log(JSON.stringify(figures, null, 2));
  } else {
    for (const profile of profiles) {
      const verdict = profile.gzipBytes <= profile.gzipBudgetBytes ? "within" : "OVER";
      console.log(
        `${profile.worker}: ${kib(profile.bytes)} raw, ${kib(profile.gzipBytes)} gzip (${verdict} the ${kib(profile.gzipBudgetBytes)} budget)`,
      );
      for (const { name, bytes } of profile.packages.slice(0, top)) console.log(`  ${kib(bytes).padStart(11)}  ${name}`);
      if (filesOf) {
        const files = [...profile.inputs].filter(([path]) => packageOf(path) === filesOf);
        console.log(`  ${filesOf}, by file:`);
        // A package's files by their path inside it; our own by their path from the repository root.
        const prefix = filesOf.startsWith("(own) ") ? "" : `node_modules/${filesOf}/`;
        for (const [path, bytes] of files.sort((a, b) => b[1] - a[1]).slice(0, top)) {
          console.log(`    ${kib(bytes).padStart(11)}  ${prefix ? path.slice(path.lastIndexOf(prefix) + prefix.length) : path}`);
        }
      }
    }
  }
  if (profiles.some((profile) => profile.gzipBytes > profile.gzipBudgetBytes)) process.exitCode = 1;
}
