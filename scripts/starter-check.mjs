// `npm run starter:check` (and CI): proves a team's path without the registry's copies of our
// packages. It packs every package, checks what each tarball holds, scaffolds an app from the
// packed starter into a scratch folder (and sees it refuse a folder that is not empty), installs
// the packed tarballs there, adds what a team would write (test/starter/: an AI SDK agent on an
// `ai/test` model and a tool, in the app's own files), and runs the app's own typecheck,
// `npm ci`, `npm test` and both Workers' `wrangler deploy --dry-run`.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The packages a team installs (@tether/protocol is bundled into each, types and all). */
const PUBLISHED = ["client", "workers/backend", "workers/auth", "workers/create-tether"];
const keep = process.argv.includes("--keep");
const scratch = mkdtempSync(join(tmpdir(), "tether-starter-"));
const packs = join(scratch, "packs");
mkdirSync(packs);

function run(command, args, cwd, { quiet = false } = {}) {
  console.log(`$ ${[command, ...args].join(" ")}   (in ${cwd})`);
  return execFileSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: quiet ? ["ignore", "pipe", "inherit"] : "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
}
const npm = (args, cwd, options) => run("npm", args, cwd, options);
function fail(message) {
  console.error(`starter check: ${message}`);
  process.exit(1);
}

// 1. Every package packs alone, and holds what it should: built files, its README, its
// migrations or template — no TypeScript source, no test, no secret, no other package's files.
const tarballs = {};
for (const folder of PUBLISHED) {
  // Built first, so that the pack's own output is only its JSON report.
  if (folder !== "workers/create-tether") npm(["run", "build", "-w", folder], process.cwd());
  const [packed] = JSON.parse(
    npm(["pack", "--json", "--ignore-scripts", "--pack-destination", packs, "-w", folder], process.cwd(), { quiet: true }),
  );
  tarballs[packed.name] = join(packs, packed.filename);
  const files = packed.files.map((file) => file.path);
  const wrong = files.filter((path) => {
    // The starter's template is an app's source, tests included: it is what the starter writes.
    const ownSource = !path.startsWith("template/");
    const source = /\.(ts|tsx|mts|cts)$/.test(path) && !/\.d\.(ts|mts)$/.test(path);
    const test = /\.test\.[cm]?[jt]sx?$/.test(path);
    const secret = /(^|\/)(\.dev\.vars.*|\.env.*|[^/]*\.pem|[^/]*\.key)$/.test(path);
    const otherPackage = /(^|\/)(workers|durable-objects|client|node_modules|\.wrangler|\.build)\//.test(path);
    return ((source || test) && ownSource) || secret || otherPackage || path.endsWith(".tsbuildinfo");
  });
  if (wrong.length > 0) fail(`${packed.name} would ship ${wrong.join(", ")}`);
  if (!files.includes("package.json") || !files.includes("README.md")) fail(`${packed.name} lacks its package.json or README.md`);
  console.log(`${packed.name}: ${files.length} files, ${packed.size} bytes packed`);
}

// 2. The starter refuses a folder that is not empty, and writes nothing there.
const starter = ["exec", "--yes", `--package=${tarballs["create-tether"]}`, "--", "create-tether"];
const taken = join(scratch, "taken");
mkdirSync(taken);
writeFileSync(join(taken, "notes.txt"), "mine\n");
try {
  npm([...starter, "taken"], scratch, { quiet: true });
  fail("create-tether wrote into a folder that is not empty");
} catch (error) {
  if (error.status !== 1) throw error;
}
if (readdirSync(taken).join() !== "notes.txt") fail("create-tether changed a folder it refused");

// 3. A new app from the packed starter, on the packed packages, with a team's own agent and tool.
npm([...starter, "my-app"], scratch);
const app = join(scratch, "my-app");
npm(["install", "--no-audit", "--no-fund", tarballs["@tether/server"], tarballs["@tether/auth"], tarballs["@tether/client"]], app);
cpSync(resolve("test/starter/src"), join(app, "src"), { recursive: true });
cpSync(resolve("test/starter/test"), join(app, "test"), { recursive: true });
npm(["run", "typecheck"], app);

// 4. What a fresh machine does with it: npm ci, npm test; and both Workers deploy (dry run).
rmSync(join(app, "node_modules"), { recursive: true, force: true });
npm(["ci", "--no-audit", "--no-fund"], app);
npm(["test"], app);
for (const config of ["auth/wrangler.jsonc", "wrangler.jsonc"]) {
  for (const section of [null, "staging", "production"]) {
    const outdir = join(scratch, "deploy", `${config.replace(/\W+/g, "-")}-${section ?? "top"}`);
    npm(["exec", "--", "wrangler", "deploy", "--dry-run", "--outdir", outdir, "-c", config, ...(section ? ["--env", section] : [])], app, {
      quiet: true,
    });
    console.log(`deploy --dry-run ${config} ${section ?? "(top level)"}: ok`);
  }
}

if (keep) console.log(`kept ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
console.log("starter check: ok");
