// `node scripts/wrangler.mjs <args>`: wrangler, with our packages resolved to their sources
// (scripts/source-conditions.mjs). The npm scripts that bundle (deploy) go through it.
import { spawnSync } from "node:child_process";
import { wranglerBin } from "../workers/auth/bin/local-dev.mjs";
import { WRANGLER_SOURCE_ENV } from "./source-conditions.mjs";

const { status } = spawnSync(process.execPath, [wranglerBin(), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, ...WRANGLER_SOURCE_ENV },
});
process.exit(status ?? 1);
