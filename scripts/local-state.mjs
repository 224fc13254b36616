// Local development state: D1 migrations and the backend's service credentials.
// Used by `npm run dev` (scripts/dev.mjs), the end-to-end tests and the benchmarks, so all start the same way.
import { runWrangler, serviceClientSql } from "../workers/auth/bin/local-dev.mjs";
import { WRANGLER_SOURCE_ENV } from "./source-conditions.mjs";

/** @tether/auth's wrangler runner, with our packages resolved to their sources. */
export function wrangler(args, options = {}) {
  return runWrangler(args, { quiet: options.quiet, env: WRANGLER_SOURCE_ENV });
}

export function applyLocalMigrations(persistTo, { backend = true, quiet = false } = {}) {
  wrangler(["d1", "migrations", "apply", "tether-auth", "--local", "--persist-to", persistTo, "-c", "workers/auth/wrangler.jsonc"], {
    quiet,
  });
  if (backend) {
    wrangler(["d1", "migrations", "apply", "tether-app", "--local", "--persist-to", persistTo, "-c", "wrangler.jsonc"], { quiet });
  }
}

/** Registers (or re-keys) a service client in an auth database: the SQL is @tether/auth's (workers/auth/bin/local-dev.mjs). */
export function upsertServiceClient({ id, name, audiences, permissions, secret, target }) {
  const sql = serviceClientSql({ id, name, audiences, permissions, secret });
  // By binding name: the same in every section of the config, whatever each database is called.
  wrangler(["d1", "execute", "AUTH_DB", "-c", "workers/auth/wrangler.jsonc", ...target, "--command", sql], { quiet: true });
}

/** Registers the local backend Worker (id `tether-backend`) with this secret in a local auth database. */
export function registerBackendServiceClient(secret, persistTo) {
  upsertServiceClient({
    // The audience and permissions a backend gets are serviceClientSql's defaults.
    id: "tether-backend",
    name: "tether-backend",
    secret,
    target: ["--local", "--persist-to", persistTo],
  });
}
