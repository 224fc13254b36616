// A stand-in for wrangler (TETHER_WRANGLER) in the setup and deploy tests: it answers the commands
// `npm run setup:*` and `npm run deploy` use, as wrangler 4 would, from an account kept in
// $MOCK_WRANGLER_STATE/state.json, so a second run sees what the first made. Every call is a line
// of $MOCK_WRANGLER_STATE/calls.jsonl: its arguments and, of its stdin, only the length, the
// SHA-256 and (for a JWK) its public shape — never the value, which is a secret.
// MOCK_WRANGLER_LOGGED_OUT=1 plays a machine with no Cloudflare login: every command fails.
import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.MOCK_WRANGLER_STATE;
if (!dir) throw new Error("MOCK_WRANGLER_STATE is not set");
const statePath = join(dir, "state.json");
const state = existsSync(statePath)
  ? JSON.parse(readFileSync(statePath, "utf8"))
  : { databases: [], migrated: [], serviceClients: [], workers: {} };
const args = process.argv.slice(2);
const flag = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const command = ["d1", "secret"].includes(args[0]) ? args.slice(0, 2) : args.slice(0, 1);

const stdin = command.join(" ") === "secret put" ? readFileSync(0, "utf8") : "";
const call = { argv: args };
if (stdin) {
  call.stdinBytes = Buffer.byteLength(stdin);
  call.stdinSha256 = createHash("sha256").update(stdin).digest("hex");
  try {
    const { kty, crv, kid, d } = JSON.parse(stdin);
    call.jwk = { kty, crv, kidPurpose: String(kid).replace(/-[0-9a-f-]{36}$/, ""), private: typeof d === "string" };
  } catch {
    // Not a JWK: a service secret.
  }
}
appendFileSync(join(dir, "calls.jsonl"), `${JSON.stringify(call)}\n`);

function fail(message) {
  process.stderr.write(`✘ [ERROR] ${message}\n`);
  process.exit(1);
}
const print = (text) => process.stdout.write(`${text}\n`);
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
/** A Worker is known by its config and environment, as wrangler resolves its name from them. */
const workerKey = () => `${flag("-c")}#${flag("--env") ?? ""}`;
/** wrangler resolves a database through the config: it must hold the database's id by now. */
function databaseInConfig(name) {
  const db = state.databases.find((candidate) => candidate.name === name);
  if (!db || !readFileSync(flag("-c"), "utf8").includes(db.uuid))
    fail(`Couldn't find a D1 DB with the name or binding '${name}' in your config.`);
  return db;
}

if (process.env.MOCK_WRANGLER_LOGGED_OUT === "1") {
  fail("In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable for wrangler to work.");
}

const name = args[2];
switch (command.join(" ")) {
  case "d1 list":
    print(JSON.stringify(state.databases.map((db) => ({ uuid: db.uuid, name: db.name, version: "production", num_tables: 0 }))));
    break;
  case "d1 create": {
    if (state.databases.some((db) => db.name === name)) fail(`A database with that name already exists: ${name}`);
    const db = { uuid: randomUUID(), name };
    state.databases.push(db);
    save();
    print(`✅ Successfully created DB '${name}'\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "${name}"\ndatabase_id = "${db.uuid}"`);
    break;
  }
  case "d1 migrations":
    databaseInConfig(args[3]);
    if (args[2] === "list") {
      print(
        state.migrated.includes(args[3]) ? "✅ No migrations to apply!" : "Migrations to be applied:\n│ 0000_init.sql │\n│ 0001_next.sql │",
      );
    } else if (args[2] === "apply") {
      state.migrated.push(args[3]);
      save();
      print("✅ Applied 2 migrations");
    } else fail(`mock wrangler: no d1 migrations ${args[2]}`);
    break;
  case "d1 execute": {
    databaseInConfig(name);
    if (!state.migrated.includes(name)) fail("no such table: service_clients: SQLITE_ERROR");
    const sql = flag("--command") ?? "";
    const id = sql.match(/service_clients[^']*'([^']+)'/)?.[1];
    if (/^SELECT/i.test(sql)) {
      print(JSON.stringify([{ results: state.serviceClients.includes(id) ? [{ id }] : [], success: true, meta: {} }]));
    } else if (/^INSERT INTO service_clients/i.test(sql) && id) {
      if (!state.serviceClients.includes(id)) state.serviceClients.push(id);
      save();
      print("🚣 1 command executed successfully.");
    } else fail(`mock wrangler: unexpected SQL`);
    break;
  }
  case "secret list": {
    const secrets = state.workers[workerKey()];
    if (!secrets) fail(`Worker (env: ${flag("--env")}) not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`);
    print(JSON.stringify(secrets.map((secret) => ({ name: secret, type: "secret_text" }))));
    break;
  }
  case "secret put": {
    if (!stdin) fail("mock wrangler: a secret's value comes on stdin");
    const secrets = (state.workers[workerKey()] ??= []);
    if (!secrets.includes(name)) secrets.push(name);
    save();
    print(`✨ Success! Uploaded secret ${name}`);
    break;
  }
  case "deploy":
    state.workers[workerKey()] ??= [];
    save();
    print(`Deployed ${flag("-c")} (env ${flag("--env")})`);
    break;
  default:
    fail(`mock wrangler: unknown command ${args.join(" ")}`);
}
