// A package ships its database's migrations (docs/deploy.md): `copy-migrations.mjs <auth|app> <dir>`
// copies migrations/<name>/*.sql, the files drizzle-kit generated, into the package's <dir>, for an
// app's wrangler config to name as migrations_dir (node_modules/@tether/…/migrations).
import { cpSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [name, target] = process.argv.slice(2);
if (!["auth", "app"].includes(name ?? "") || !target) {
  console.error("usage: copy-migrations.mjs <auth|app> <target dir>");
  process.exit(2);
}
const source = fileURLToPath(new URL(`../migrations/${name}/`, import.meta.url));
rmSync(target, { recursive: true, force: true });
for (const file of readdirSync(source).filter((entry) => entry.endsWith(".sql"))) cpSync(join(source, file), join(target, file));
