// `npm run deploy` (production), `npm run deploy:staging`, `npm run deploy:production`: deploys the
// auth Worker, then the backend that binds to it — once `npm run setup:<env> -- --apply` has run,
// which the configs show (the environment's databases have ids of their own: scripts/setup/configs.mjs).
// Before that it refuses, since a deploy against the repository's placeholder ids cannot work.
//
// --root <dir> deploys the configs in another folder (the tests'); wrangler is
// scripts/setup/wrangler-cli.mjs's (TETHER_WRANGLER replaces it).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { configPath, setupProblems, WORKERS } from "./setup/configs.mjs";
import { wrangler } from "./setup/wrangler-cli.mjs";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { root: { type: "string" } } });
const env = positionals[0] ?? "production";
const root = resolve(values.root ?? ".");
if (env === "dev" || positionals.length > 1) {
  console.error("usage: node scripts/deploy.mjs [staging|production] [--root <dir>]   ([env.dev] is never deployed)");
  process.exit(2);
}

const problems = setupProblems(root, env);
if (problems.length > 0) {
  console.error(`✘ ${env} is not set up yet, so nothing was deployed:`);
  for (const problem of problems) console.error(`    ${problem}`);
  console.error(`Run \`npm run setup:${env}\` to see what it will do, then \`npm run setup:${env} -- --apply\`, and deploy again.`);
  process.exit(1);
}

for (const worker of WORKERS) {
  const args = ["deploy", "-c", configPath(root, worker), "--env", env];
  console.log(`Deploying the ${worker.label} (${env}): wrangler ${args.join(" ")}`);
  if (!wrangler(args, { cwd: root, stream: true }).ok) {
    console.error(`✘ the ${worker.label}'s deploy failed${worker.key === "auth" ? "; the backend was not deployed" : ""}.`);
    process.exit(1);
  }
}
