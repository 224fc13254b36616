// `npm run deploy:check`: `wrangler deploy --dry-run` of both Workers in every deployable section —
// the top level (what a plain `wrangler deploy` would ship), staging and production — so a config
// that would not deploy fails CI. Each bundle goes to .build/deploy/<worker>-<section>/; the
// bindings and vars wrangler prints are checked for a development setting, which only [env.dev]
// may have (test/deploy/ checks the configs themselves in more detail).
import { execFileSync } from "node:child_process";
import { WRANGLER_SOURCE_ENV } from "./source-conditions.mjs";
import { resolve } from "node:path";

const WRANGLER = "node_modules/wrangler/bin/wrangler.js";
const WORKERS = [
  ["auth", "workers/auth/wrangler.jsonc"],
  ["backend", "wrangler.jsonc"],
];
const SECTIONS = [null, "staging", "production"];

let failed = false;
for (const [worker, config] of WORKERS) {
  for (const section of SECTIONS) {
    const label = `${worker} ${section ?? "top level"}`;
    // Absolute: wrangler resolves a relative --outdir against the config's folder.
    const outdir = resolve(`.build/deploy/${worker}-${section ?? "top-level"}`);
    const args = [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "-c", config, ...(section ? ["--env", section] : [])];
    let output;
    try {
      output = execFileSync(process.execPath, args, {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...WRANGLER_SOURCE_ENV, WRANGLER_SEND_METRICS: "false", CI: "true" },
      });
    } catch (error) {
      console.error(`✘ ${label}: wrangler deploy --dry-run failed\n${error.stdout ?? ""}${error.stderr ?? ""}`);
      failed = true;
      continue;
    }
    const environment = output.match(/env\.ENVIRONMENT \("([^"]*)"\)/)?.[1];
    if (environment === undefined || environment === "development") {
      console.error(`✘ ${label}: ENVIRONMENT is ${environment ?? "not set"}; only [env.dev] may be development\n${output}`);
      failed = true;
      continue;
    }
    console.log(`✓ ${label}: dry-run ok, ENVIRONMENT = ${environment}`);
  }
}
process.exit(failed ? 1 : 0);
