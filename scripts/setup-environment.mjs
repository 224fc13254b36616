// `npm run setup:production` / `npm run setup:staging`: the deploy's manual steps for one
// environment of both Workers (docs/deploy.md). A dry run unless given --apply, and repeatable:
// each step first reads what exists and does only what is missing, so a second run changes nothing.
//
//   1. the D1 databases: found (`wrangler d1 list`) or created, their ids written into the configs
//   2. their migrations, applied when some are pending
//   3. the auth Worker's signing keys, generated and put as secrets on stdin (never on disk or shown)
//   4. the backend's service client: registered in the auth database, its secret put into the backend
//   5. a checklist of what only a person can do, each with its command
//
// --root <dir> runs against the configs in another folder (the tests' copies); wrangler is
// scripts/setup/wrangler-cli.mjs's (TETHER_WRANGLER replaces it).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BACKEND_PERMISSIONS, serviceClientSql } from "../workers/auth/bin/local-dev.mjs";
import { personChecklist } from "./setup/checklist.mjs";
import { migrationFiles, readSection, WORKERS, writeDatabaseId } from "./setup/configs.mjs";
import { GENERATED_SECRETS, newServiceSecret, SERVICE_SECRET_NAME } from "./setup/secrets.mjs";
import { failureText, printable, wrangler } from "./setup/wrangler-cli.mjs";

const USAGE = "usage: node scripts/setup-environment.mjs <staging|production> [--apply] [--root <dir>]";
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { apply: { type: "boolean", default: false }, root: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const env = positionals[0];
if (values.help || !env || positionals.length > 1 || env === "dev") {
  console.error(env === "dev" ? "[env.dev] is local: `npm run dev` sets it up." : USAGE);
  process.exit(values.help ? 0 : 2);
}
const root = resolve(values.root ?? ".");
const apply = values.apply;
const setupCommand = `npm run setup:${env}`;

/** A step's wrangler call failed under --apply: what was run, and what wrangler said. */
class StepFailed extends Error {}

const say = (line = "") => process.stdout.write(`${line}\n`);
/** Set when a read fails in a dry run (no login, most often): later reads are skipped, the plan assumes nothing. */
let unreachable = null;

/**
 * A call that changes nothing. Answers its stdout; `expected(result)` marks a failure that is an
 * answer (a Worker not deployed yet); in a dry run any other failure answers null (unknown).
 */
function read(args, expected = () => false) {
  if (unreachable) return null;
  const result = wrangler(args, { cwd: root });
  if (result.ok) return result.stdout;
  if (expected(result)) return { expected: result };
  if (apply) throw new StepFailed(`${printable(args)}\n      ${failureText(result)}`);
  unreachable = failureText(result);
  say(`  ? wrangler cannot read the account, so the plan below assumes nothing exists yet:`);
  say(`      ${unreachable}`);
  say(`    (\`npx wrangler login\`, or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID, then run ${setupCommand} again)`);
  return null;
}

/** A call that changes the account: printed and skipped in a dry run, run under --apply. */
function change(args, { plan, done, input, shown = printable(args) }) {
  if (!apply) {
    say(`  + would ${plan}`);
    say(`      $ ${shown}`);
    return;
  }
  const result = wrangler(args, { cwd: root, input });
  if (!result.ok) throw new StepFailed(`${shown}\n      ${failureText(result)}`);
  say(`  + ${done}`);
}

/** wrangler's `--json` answer (none of these reads returns a secret, so it may be quoted when it is not JSON). */
function parseJson(text, args) {
  try {
    return JSON.parse(text.slice(text.search(/[[{]/)));
  } catch {
    throw new StepFailed(`${printable(args)} did not answer JSON:\n      ${text.trim().slice(0, 300)}`);
  }
}
const notDeployed = (result) => /not found/i.test(result.stderr + result.stdout);

/** 1. Each database: found or created, and its id in every entry of the config that names it. */
function databases(sections) {
  say("1. D1 databases");
  const list = () => {
    const args = ["d1", "list", "--json"];
    const output = read(args);
    return output === null ? null : parseJson(output, args);
  };
  let existing = list();
  for (const section of sections) {
    for (const db of section.databases) {
      const where = `${section.config} ([env.${env}] ${db.binding})`;
      let found = existing?.find((candidate) => candidate.name === db.name);
      if (!found) {
        if (existing === null) say(`  ? ${db.name}: not known whether it exists`);
        change(["d1", "create", db.name, "-c", section.config], {
          plan: `create ${db.name}, and write its id into ${where}`,
          done: `created ${db.name}`,
        });
        if (!apply) continue;
        existing = list();
        found = existing.find((candidate) => candidate.name === db.name);
        if (!found) throw new StepFailed(`${db.name} was created but \`wrangler d1 list\` does not show it`);
      }
      db.remoteId = found.uuid;
      if (db.id === found.uuid) {
        say(`  ✓ ${db.name} exists (${found.uuid}), and ${section.config} has its id`);
      } else if (apply) {
        writeDatabaseId(root, section.config, db.name, found.uuid);
        db.id = found.uuid;
        say(`  + wrote ${db.name}'s id (${found.uuid}) into ${where}`);
      } else {
        say(`  + would write ${db.name}'s id (${found.uuid}) into ${where}`);
      }
    }
  }
}

/** 2. Migrations, applied when wrangler finds some pending (it tracks what each database has had). */
function migrations(sections) {
  say("2. Migrations");
  for (const section of sections) {
    for (const db of section.databases) {
      const files = migrationFiles(db);
      const args = ["d1", "migrations", "apply", db.name, "--remote", "-c", section.config, "--env", env];
      // Until the config has the database's id, wrangler would ask a database that is not this one.
      if (db.remoteId === undefined || db.remoteId !== db.id) {
        change(args, {
          plan: `apply ${db.name}'s migrations (${files.length} in its folder, those not applied yet)`,
          done: `applied ${db.name}'s pending migrations`,
        });
        continue;
      }
      const output = read(["d1", "migrations", "list", db.name, "--remote", "-c", section.config, "--env", env]);
      if (output === null) {
        change(args, { plan: `apply ${db.name}'s pending migrations`, done: `applied ${db.name}'s pending migrations` });
        continue;
      }
      const pending = [...new Set(output.match(/\b\d{4}_[\w-]+\.sql\b/g) ?? [])];
      if (pending.length === 0) {
        say(`  ✓ ${db.name}: no migrations pending`);
        continue;
      }
      change(args, {
        plan: `apply ${pending.length} to ${db.name}: ${pending.join(", ")}`,
        done: `applied ${pending.join(", ")} to ${db.name}`,
      });
    }
  }
}

/** The names of the secrets a Worker has (an empty set before its first deploy), or null if unknown. */
function secretsOf(section) {
  const args = ["secret", "list", "-c", section.config, "--env", env, "--format", "json"];
  const output = read(args, notDeployed);
  if (output === null) return null;
  if (typeof output === "object") return new Set();
  return new Set(parseJson(output, args).map((secret) => secret.name));
}

/** `wrangler secret put`, the value on stdin: wrangler reads it from there when stdin is not a terminal. */
async function putSecret(section, name, what, value) {
  const args = ["secret", "put", name, "-c", section.config, "--env", env];
  change(args, {
    plan: `put ${name} into ${section.name}: ${what}, on stdin`,
    done: `put ${name} into ${section.name}: ${what}`,
    input: apply ? await value() : undefined,
    shown: `${printable(args)}   # ${what}, on stdin`,
  });
}

/** 3. The generated secrets each Worker lacks; one it has is left as it is (rotation is deliberate). */
async function secrets(sections, known) {
  say("3. Secrets");
  for (const { worker, name, what, generate } of GENERATED_SECRETS) {
    const section = sections.find((candidate) => candidate.worker.key === worker);
    if (known.get(worker)?.has(name)) say(`  ✓ ${name} is set in ${section.name} (a new one is a rotation: docs/deploy.md)`);
    else await putSecret(section, name, what, generate);
  }
}

/**
 * 4. The backend as a service client of auth. Only the secret's hash is in the database, so a
 * missing half (registered but no secret, or the reverse) is mended by re-keying both.
 */
async function serviceClient(auth, backend, known) {
  say("4. The backend's service client");
  const id = backend.vars.AUTH_SERVICE_ID;
  if (!id) throw new StepFailed(`${backend.config} [env.${env}] sets no AUTH_SERVICE_ID: the backend's id at the auth Worker`);
  const db = auth.databases.find((candidate) => candidate.binding === "AUTH_DB") ?? auth.databases[0];
  const target = ["--remote", "-c", auth.config, "--env", env];
  let registered = false;
  if (db.remoteId !== undefined && db.remoteId === db.id && (apply || !unreachable)) {
    const query = `SELECT id FROM service_clients WHERE id = '${id.replaceAll("'", "''")}' AND disabled_at IS NULL`;
    // Before its migrations the table does not exist: nothing is registered.
    const args = ["d1", "execute", db.name, ...target, "--json", "--command", query];
    const output = read(args, (result) => /no such table/i.test(result.stderr + result.stdout));
    registered = typeof output === "string" && parseJson(output, args).some((statement) => statement.results?.length > 0);
  }
  const secretPut = known.get("backend")?.has(SERVICE_SECRET_NAME) ?? false;
  if (registered && secretPut) {
    say(`  ✓ ${id} is registered in ${db.name}, and ${backend.name} has its ${SERVICE_SECRET_NAME}`);
    return;
  }
  if (registered || secretPut)
    say(
      `  ${id} is ${registered ? "registered, but the backend has no secret" : "not registered, but the backend has a secret"}: re-keying both`,
    );
  const secret = apply ? newServiceSecret() : "";
  const grant = `permissions ${BACKEND_PERMISSIONS.join(", ")}`;
  change(["d1", "execute", db.name, ...target, "--command", apply ? serviceClientSql({ id, secret }) : ""], {
    plan: `register ${id} in ${db.name} (${grant}; the secret's SHA-256 only)`,
    done: `registered ${id} in ${db.name} (${grant})`,
    shown: `${printable(["d1", "execute", db.name, ...target])} --command "INSERT INTO service_clients … ON CONFLICT (id) DO UPDATE …"`,
  });
  await putSecret(backend, SERVICE_SECRET_NAME, `${id}'s new secret`, () => secret);
}

/** 5. What is left for a person. */
function checklist(auth, backend, known) {
  say("5. What only a person can do");
  for (const item of personChecklist({ env, auth, backend, authSecrets: known.get("auth") ?? null })) {
    say(`  [${item.done ? "x" : " "}] ${item.title}`);
    for (const line of item.lines) say(`      ${line}`);
  }
}

say(`Setting up ${env} of both Workers (configs in ${root})`);
say(
  apply ? "Applying: each step does what is missing." : `Dry run: nothing changes. \`${setupCommand} -- --apply\` does the steps marked +.`,
);
say();
try {
  const sections = WORKERS.map((worker) => {
    try {
      return readSection(root, worker, env);
    } catch (error) {
      throw new StepFailed(error.message);
    }
  });
  const [auth, backend] = sections;
  databases(sections);
  migrations(sections);
  const known = new Map();
  for (const section of sections) {
    const names = secretsOf(section);
    if (names) known.set(section.worker.key, names);
  }
  await secrets(sections, known);
  await serviceClient(auth, backend, known);
  say();
  checklist(auth, backend, known);
  say();
  say(
    apply
      ? `Done: ${env} is set up. Running ${setupCommand} again changes nothing; after the checklist, deploy.`
      : `Dry run done: nothing changed. \`${setupCommand} -- --apply\` does it.`,
  );
} catch (error) {
  if (!(error instanceof StepFailed)) throw error;
  console.error(`\n✘ ${error.message}`);
  console.error(`Nothing after this step ran. Fix it and run \`${setupCommand} -- --apply\` again: what is done is skipped.`);
  process.exit(1);
}
