#!/usr/bin/env node
// `tether-dev`: a Tether app on this machine, as `npm run dev` of an app made by `npm create
// tether` runs it. It applies both Workers' D1 migrations to local state, registers the backend
// with the auth Worker under a secret made for this run (never written to a file), and runs both
// Workers in one `wrangler dev` ([env.dev]: development, loopback only), the backend first so
// its port is the app's origin. Options:
//   --port <n>         where the app listens (default 8787)
//   --persist-to <dir> local state (default .wrangler/state)
//   --backend <file>   the backend's config (default wrangler.jsonc)
//   --auth <file>      the auth Worker's config (default auth/wrangler.jsonc)
//   -- <args>          passed to wrangler dev as they are (e.g. -- --var AGENT:demo)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { runWrangler, serviceClientSql, wranglerBin } from "./local-dev.mjs";

function fail(message) {
  console.error(`tether-dev: ${message}`);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: "string", default: "8787" },
      "persist-to": { type: "string", default: ".wrangler/state" },
      backend: { type: "string", default: "wrangler.jsonc" },
      auth: { type: "string", default: "auth/wrangler.jsonc" },
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : "bad arguments");
}
const { port, "persist-to": persistTo, backend, auth } = parsed.values;
if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) fail("--port must be a TCP port number.");

// The app's own wrangler reads its config, as `wrangler dev` will.
const { unstable_readConfig: readConfig } = createRequire(`${process.cwd()}/`)("wrangler");
const backendConfig = readConfig({ config: backend, env: "dev" });
const serviceId = backendConfig.vars?.AUTH_SERVICE_ID;
if (typeof serviceId !== "string" || serviceId === "") fail(`${backend} [env.dev] sets no AUTH_SERVICE_ID var.`);

const local = ["--local", "--persist-to", persistTo, "--env", "dev"];
runWrangler(["d1", "migrations", "apply", "AUTH_DB", ...local, "-c", auth], { quiet: true });
runWrangler(["d1", "migrations", "apply", "APP_DB", ...local, "-c", backend], { quiet: true });
const secret = randomBytes(32).toString("base64url");
runWrangler(["d1", "execute", "AUTH_DB", ...local, "-c", auth, "--command", serviceClientSql({ id: serviceId, secret })], { quiet: true });

const child = spawn(
  process.execPath,
  [
    wranglerBin(),
    "dev",
    "-c",
    backend,
    "-c",
    auth,
    "--env",
    "dev",
    "--persist-to",
    persistTo,
    "--ip",
    "127.0.0.1",
    "--port",
    port,
    // Reaches the first config only: the backend's credentials at the auth Worker.
    "--var",
    `AUTH_SERVICE_SECRET:${secret}`,
    ...parsed.positionals,
  ],
  { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
