// `npm run dev`: prepare local state, then run both Workers in one `wrangler dev` on :8787, and the
// local OIDC provider (workers/dev-oidc, the `dev` sign-in provider) in a second one on :8788.
import { spawn } from "node:child_process";
import { applyLocalMigrations, ensureDevServiceClient } from "./local-state.mjs";

const PERSIST_TO = ".wrangler/state";
const WRANGLER = "node_modules/wrangler/bin/wrangler.js";

applyLocalMigrations(PERSIST_TO);
ensureDevServiceClient(PERSIST_TO);

function wranglerDev(args) {
  return spawn(process.execPath, [WRANGLER, "dev", ...args], { stdio: "inherit" });
}

const app = wranglerDev([
  "-c", "wrangler.toml",
  "-c", "workers/auth/wrangler.toml",
  // [env.dev] of both configs: development (dev login, dev keys, the dev providers), local databases.
  "--env", "dev",
  "--persist-to", PERSIST_TO,
  "--port", process.env.PORT ?? "8787",
  ...process.argv.slice(2),
]);
// Its issuer, http://localhost:8788, is what workers/auth/wrangler.toml expects of the `dev` provider.
const provider = wranglerDev(["-c", "workers/dev-oidc/wrangler.toml", "--port", "8788", "--inspector-port", "9230"]);

const children = [app, provider];
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => children.forEach((child) => child.kill(signal)));
// One of them ending ends the session: a sign-in page without its provider is no use.
for (const child of children) {
  child.on("exit", (code) => {
    children.forEach((other) => other !== child && other.kill("SIGTERM"));
    process.exit(code ?? 0);
  });
}
