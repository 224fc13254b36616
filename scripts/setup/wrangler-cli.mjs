// The one way `npm run setup:*` and `npm run deploy` call wrangler. TETHER_WRANGLER names another
// binary to run instead (a `.js`/`.mjs` file runs under this Node): the tests point it at a mock
// that records each call, so every step can be checked without a Cloudflare account.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { wranglerBin } from "../../workers/auth/bin/local-dev.mjs";
import { WRANGLER_SOURCE_ENV } from "../source-conditions.mjs";

export const WRANGLER_OVERRIDE_VAR = "TETHER_WRANGLER";

/** The repository, whose node_modules hold the wrangler to run (the configs may be elsewhere: --root). */
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function command() {
  const bin = process.env[WRANGLER_OVERRIDE_VAR] || wranglerBin(REPO_ROOT);
  return /\.[cm]?js$/.test(bin) ? { file: process.execPath, prefix: [bin] } : { file: bin, prefix: [] };
}

/**
 * Runs `wrangler <args>` in `cwd`. `input` goes to its stdin (a secret's value: never an
 * argument, so it shows in no process list and no log of the call). Output is captured, and
 * wrangler runs non-interactive (it takes its defaults instead of prompting), unless `stream` is
 * set: a deploy runs in the terminal, as `wrangler deploy` would, its progress shown and its
 * questions (a domain already in use, say) asked.
 * @param {string[]} args
 * @param {{ cwd: string, input?: string, stream?: boolean }} options
 * @returns {{ ok: boolean, stdout: string, stderr: string }}
 */
export function wrangler(args, { cwd, input, stream = false }) {
  const { file, prefix } = command();
  const result = spawnSync(file, [...prefix, ...args], {
    cwd,
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: stream ? "inherit" : [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    env: { ...process.env, ...WRANGLER_SOURCE_ENV, ...(stream ? {} : { WRANGLER_SEND_METRICS: "false", CI: "true" }) },
  });
  return {
    ok: result.status === 0,
    stdout: result.stdout ?? "",
    stderr: result.error ? String(result.error) : (result.stderr ?? ""),
  };
}

/** How a command reads when printed: `npx wrangler …`, arguments with spaces quoted. */
export function printable(args) {
  return ["npx", "wrangler", ...args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
}

/** The first few lines of what a failed wrangler call said, for the operator (wrangler never echoes a secret's value). */
export function failureText({ stdout, stderr }) {
  // wrangler colours its errors: the ANSI codes are dropped.
  const text = `${stderr}\n${stdout}`.replace(/\u001b\[[0-9;]*m/g, "");
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("🪵"))
    .slice(0, 6)
    .join("\n      ");
}
