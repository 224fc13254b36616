// The two Workers' configs as `npm run setup:*` and `npm run deploy` see them: each environment's
// section, its D1 databases, and the one edit setup makes (a database's id). Read through wrangler's
// own parser; written by a text edit of that one value, so every comment and line stays as it was.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { experimental_readRawConfig } from "wrangler";

/** The Workers, auth first: the backend binds to it, so it is set up and deployed first. */
export const WORKERS = [
  { key: "auth", label: "auth Worker", dir: "workers/auth" },
  { key: "backend", label: "backend", dir: "." },
];
const CONFIG_NAMES = ["wrangler.jsonc", "wrangler.json", "wrangler.toml"];

/**
 * The ids the repository's configs ship with: no Cloudflare database has them (they only name the
 * local databases of `npm run dev`). A section still holding one has not been set up.
 */
export const PLACEHOLDER_DATABASE_ID = /^00000000-0000-4000-8000-/;

/** A Worker's config, relative to root (as wrangler is given it), whichever format it is in. */
export function configPath(root, worker) {
  for (const name of CONFIG_NAMES) {
    const path = worker.dir === "." ? name : `${worker.dir}/${name}`;
    if (existsSync(join(root, path))) return path;
  }
  throw new Error(`no wrangler config in ${join(root, worker.dir)} (looked for ${CONFIG_NAMES.join(", ")})`);
}

/**
 * One environment's section of a Worker's config: its Worker name, vars, routes, D1 databases
 * (each with the migrations folder it names, resolved against the config's folder).
 */
export function readSection(root, worker, env) {
  const config = configPath(root, worker);
  const { rawConfig } = experimental_readRawConfig({ config: join(root, config) });
  const section = rawConfig.env?.[env];
  if (!section) throw new Error(`${config} has no [env.${env}] section`);
  return {
    worker,
    config,
    name: section.name ?? `${rawConfig.name}-${env}`,
    vars: section.vars ?? {},
    routes: (section.routes ?? []).map((route) => (typeof route === "string" ? route : route.pattern)),
    sendEmail: section.send_email ?? [],
    databases: (section.d1_databases ?? []).map((db) => ({
      binding: db.binding,
      name: db.database_name,
      id: db.database_id,
      migrationsDir: join(dirname(join(root, config)), db.migrations_dir ?? "migrations"),
    })),
  };
}

/** The migration files a database's folder holds, in order. */
export function migrationFiles(db) {
  return existsSync(db.migrationsDir)
    ? readdirSync(db.migrationsDir)
        .filter((name) => name.endsWith(".sql"))
        .sort()
    : [];
}

/**
 * Sets `database_id` of every D1 entry that names `databaseName` (in any section: it is the same
 * database) to `id`. Writes the file only when something changed; answers whether it did.
 */
export function writeDatabaseId(root, config, databaseName, id) {
  const file = join(root, config);
  const before = readFileSync(file, "utf8");
  const after = config.endsWith(".toml") ? setTomlDatabaseId(before, databaseName, id) : setJsonDatabaseId(before, databaseName, id);
  if (after === null) throw new Error(`${config}: no d1_databases entry with database_name "${databaseName}" and a database_id to set`);
  if (after === before) return false;
  writeFileSync(file, after);
  return true;
}

const quoted = (value) => JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** TOML: within the table (`[[…d1_databases]]`) whose database_name is the one, replace database_id's value. */
function setTomlDatabaseId(text, databaseName, id) {
  const lines = text.split("\n");
  const nameLine = new RegExp(`^\\s*database_name\\s*=\\s*${quoted(databaseName)}\\s*(#.*)?$`);
  const isHeader = (line) => /^\s*\[/.test(line);
  let found = false;
  lines.forEach((line, index) => {
    if (!nameLine.test(line)) return;
    let start = index;
    while (start > 0 && !isHeader(lines[start])) start--;
    let end = index + 1;
    while (end < lines.length && !isHeader(lines[end])) end++;
    for (let at = start + 1; at < end; at++) {
      const match = lines[at].match(/^(\s*database_id\s*=\s*)"[^"]*"(.*)$/);
      if (match) {
        lines[at] = `${match[1]}"${id}"${match[2]}`;
        found = true;
      }
    }
  });
  return found ? lines.join("\n") : null;
}

/** JSON(C): within the object whose "database_name" is the one, replace "database_id"'s value. */
function setJsonDatabaseId(text, databaseName, id) {
  const nameKey = new RegExp(`"database_name"\\s*:\\s*${quoted(databaseName)}`, "g");
  let result = text;
  let found = false;
  for (const match of text.matchAll(nameKey)) {
    // The enclosing object: back to its unmatched `{`, forward to its matching `}`.
    let start = match.index;
    for (let depth = 0; start > 0; start--) {
      if (result[start] === "}") depth++;
      if (result[start] === "{" && depth-- === 0) break;
    }
    let end = match.index;
    for (let depth = 0; end < result.length; end++) {
      if (result[end] === "{") depth++;
      if (result[end] === "}" && depth-- === 0) break;
    }
    const object = result.slice(start, end);
    const updated = object.replace(/("database_id"\s*:\s*)"[^"]*"/, `$1"${id}"`);
    if (updated === object && !/"database_id"/.test(object)) continue;
    result = result.slice(0, start) + updated + result.slice(end);
    found = true;
  }
  return found ? result : null;
}

/**
 * Why `npm run deploy` (of `env`) must not go ahead yet: an empty list once setup has written the
 * environment's database ids into both configs. Known from the configs alone, so no account is
 * needed to ask; setup writes the ids first and its other steps are repeatable, so a setup that
 * stopped half-way is finished by running it again.
 */
export function setupProblems(root, env) {
  const problems = [];
  for (const worker of WORKERS) {
    let section;
    try {
      section = readSection(root, worker, env);
    } catch (error) {
      problems.push(error.message);
      continue;
    }
    for (const db of section.databases) {
      if (!db.id || PLACEHOLDER_DATABASE_ID.test(db.id)) {
        problems.push(`${section.config}: [env.${env}] ${db.binding} (${db.name}) has no database id of its own yet`);
      }
    }
  }
  return problems;
}
