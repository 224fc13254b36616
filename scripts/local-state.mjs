// Local development state: D1 migrations and the backend's service credentials.
// Used by `npm run dev` (scripts/dev.mjs), the end-to-end tests and the benchmarks, so all start the same way.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { serviceClientSql } from "../workers/auth/bin/local-dev.mjs";
import { WRANGLER_SOURCE_ENV } from "./source-conditions.mjs";

const WRANGLER = join("node_modules", "wrangler", "bin", "wrangler.js");

export function wrangler(args, options = {}) {
  return execFileSync(process.execPath, [WRANGLER, ...args], {
    stdio: options.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...WRANGLER_SOURCE_ENV, WRANGLER_SEND_METRICS: "false", CI: "true" },
    encoding: "utf8",
  });
}

export function applyLocalMigrations(persistTo, { backend = true, quiet = false } = {}) {
  wrangler(["d1", "migrations", "apply", "tether-auth", "--local", "--persist-to", persistTo, "-c", "workers/auth/wrangler.toml"], {
    quiet,
  });
  if (backend) {
    wrangler(["d1", "migrations", "apply", "tether-app", "--local", "--persist-to", persistTo, "-c", "wrangler.toml"], { quiet });
  }
}

/** Registers (or re-keys) a service client in an auth database: the SQL is @tether/auth's (workers/auth/bin/local-dev.mjs). */
export function upsertServiceClient({ id, name, audiences, permissions, secret, target }) {
  const sql = serviceClientSql({ id, name, audiences, permissions, secret });
  // By binding name: the same in every section of the config, whatever each database is called.
  wrangler(["d1", "execute", "AUTH_DB", "-c", "workers/auth/wrangler.toml", ...target, "--command", sql], { quiet: true });
}

/** Registers the local backend Worker (id `tether-backend`) with this secret in a local auth database. */
export function registerBackendServiceClient(secret, persistTo) {
  upsertServiceClient({
    id: "tether-backend",
    name: "tether-backend",
    audiences: ["tether-auth"],
    permissions: ["tokens:validate", "users:read"],
    secret,
    target: ["--local", "--persist-to", persistTo],
  });
}
