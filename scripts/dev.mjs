/**
 * @module
 * `npm run dev`: Tether on one origin, http://localhost:8787 by default. Takes wrangler's flags:
 * `npm run dev -- --port 9000 --ip 0.0.0.0` serves the app there; anything else after `--` goes
 * to the backend's `wrangler dev` as is. Behind the app, on loopback: the auth Worker (a free
 * port) and the local OIDC provider (the app's port + 1, or TETHER_DEV_PROVIDER_PORT) — see
 * scripts/dev-stack.mjs. Local state lives in `.wrangler/state` (or `--persist-to`).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anyFreePort, devArgs, devAuthVars, listenArgs, portIsFree, WRANGLER } from "./dev-stack.mjs";
import { applyLocalMigrations, registerBackendServiceClient } from "./local-state.mjs";
import { WRANGLER_SOURCE_ENV } from "./source-conditions.mjs";

/** Takes `--name value` or `--name=value` out of `args`; returns the value, or undefined. */
function takeOption(args, name) {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === `--${name}`) return args.splice(index, 2)[1];
    if (arg.startsWith(`--${name}=`)) return args.splice(index, 1)[0].slice(name.length + 3);
  }
  return undefined;
}

function fail(message) {
  console.error(`npm run dev: ${message}`);
  process.exit(1);
}

const passThrough = process.argv.slice(2);
const appPort = Number(takeOption(passThrough, "port") ?? process.env.PORT ?? 8787);
const ip = takeOption(passThrough, "ip") ?? "localhost";
const persistTo = takeOption(passThrough, "persist-to") ?? ".wrangler/state";
const env = takeOption(passThrough, "env");
if (env !== undefined && env !== "dev") fail(`it always runs [env.dev] (development); --env ${env} is for wrangler deploy.`);
if (!Number.isInteger(appPort) || appPort < 1 || appPort > 65_535) fail("--port must be a TCP port number.");
const providerPort = Number(process.env.TETHER_DEV_PROVIDER_PORT ?? appPort + 1);
if (!Number.isInteger(providerPort) || providerPort < 1 || providerPort > 65_535)
  fail("TETHER_DEV_PROVIDER_PORT must be a TCP port number.");

// A clear word instead of wrangler's stack trace when another server (another checkout?) has the port.
const appHost = ip === "localhost" ? "127.0.0.1" : ip;
if (!(await portIsFree(appPort, appHost)))
  fail(`port ${appPort} is in use (another npm run dev?). Choose another: npm run dev -- --port ${appPort + 10}`);
if (!(await portIsFree(providerPort))) {
  fail(`port ${providerPort}, for the local OIDC provider, is in use. Choose another app port, or set TETHER_DEV_PROVIDER_PORT.`);
}

applyLocalMigrations(persistTo);
// The backend's credentials at the local auth database: new on every start, never written to a file.
const serviceSecret = randomBytes(32).toString("base64url");
registerBackendServiceClient(serviceSecret, persistTo);

// A dev registry of this run's own, so two checkouts running side by side never bind to each other.
const registry = mkdtempSync(join(tmpdir(), "tether-dev-registry-"));
const [authPort, authInspector, providerInspector] = [await anyFreePort(), await anyFreePort(), await anyFreePort()];
const providerOrigin = `http://localhost:${providerPort}`;

function wranglerDev(args, listen) {
  return spawn(process.execPath, [WRANGLER, "dev", ...args, ...listenArgs(listen)], {
    stdio: "inherit",
    env: { ...process.env, ...WRANGLER_SOURCE_ENV, WRANGLER_REGISTRY_PATH: registry },
  });
}

const children = [
  wranglerDev(devArgs("provider", { vars: { ISSUER: providerOrigin } }), { port: providerPort, inspectorPort: providerInspector }),
  wranglerDev(devArgs("auth", { persistTo, vars: devAuthVars(`http://localhost:${appPort}`, providerOrigin) }), {
    port: authPort,
    inspectorPort: authInspector,
  }),
  // The user's other flags (everything but --port, --ip, --persist-to) go to the backend as they are.
  wranglerDev(devArgs("backend", { persistTo, vars: { AUTH_SERVICE_SECRET: serviceSecret }, extra: passThrough }), { port: appPort, ip }),
];

let stopping = false;
function stopAll(signal = "SIGTERM") {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill(signal);
  rmSync(registry, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stopAll(signal));
// One of them ending ends the session: an app without its auth, or a sign-in page without its provider, is no use.
for (const child of children) {
  child.on("exit", (code) => {
    stopAll();
    process.exitCode = code ?? 0;
  });
}
