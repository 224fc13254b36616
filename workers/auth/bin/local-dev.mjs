// Local state of a Tether app (both Workers' D1 databases, the backend's service client), shared by
// `tether-dev` (this package's bin) and the Tether repository's own `npm run dev`, tests and
// benchmarks. Plain JavaScript run by Node: no build.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The wrangler the app installed (resolved from its node_modules, beside this package). */
export function wranglerBin(from = process.cwd()) {
  return join(dirname(createRequire(`${from}/`).resolve("wrangler/package.json")), "bin", "wrangler.js");
}

export function runWrangler(args, { quiet = false, env = {}, cwd = process.cwd() } = {}) {
  return execFileSync(process.execPath, [wranglerBin(cwd), ...args], {
    cwd,
    stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", ...env },
    encoding: "utf8",
  });
}

/** SQL string literal; the values written here are generated ids and hashes, but quote anyway. */
const sqlText = (value) => `'${String(value).replaceAll("'", "''")}'`;

/** The backend's permissions at the auth Worker: validate tokens, read users (docs/sign-in.md, service tokens). */
export const BACKEND_PERMISSIONS = ["tokens:validate", "users:read"];

/**
 * The SQL that registers (or re-keys) a service client in an auth database. Only the SHA-256 of
 * the secret is stored; the secret itself never reaches a file.
 */
export function serviceClientSql({ id, name = id, audiences = ["tether-auth"], permissions = BACKEND_PERMISSIONS, secret }) {
  const secretHash = createHash("sha256").update(secret).digest("base64url");
  const values = [id, name, secretHash, JSON.stringify(audiences), JSON.stringify(permissions)].map(sqlText);
  return (
    `INSERT INTO service_clients (id, name, secret_hash, audiences, permissions, created_at, disabled_at) VALUES (${values.join(", ")}, ${Date.now()}, NULL) ` +
    "ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash, audiences = excluded.audiences, permissions = excluded.permissions, disabled_at = NULL;"
  );
}
