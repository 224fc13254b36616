import { randomBytes } from "node:crypto";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { authAuxiliaryWorker, devOidcAuxiliaryWorker, testNetwork } from "./test/support/node/auxiliary-workers.js";

/**
 * Our packages resolve to their TypeScript sources in this repository (the `tether-source` export
 * condition of each package.json), to their built dist/ anywhere else: the tests run what the
 * source says, with no build step between an edit and a test.
 */
const SOURCE_CONDITION = "tether-source";
/** The Workers runtime's conditions, as the plugin sets them for the client side, with ours first. */
const SSR_CONDITIONS = [SOURCE_CONDITION, "workerd", "worker", "module", "browser"];

// Both databases by the ids in the wrangler configs: a binding with the same id is the same database.
const AUTH_DB_ID = "00000000-0000-4000-8000-00000000a001";
const APP_DB_ID = "00000000-0000-4000-8000-00000000b001";

/**
 * Stands in for the backend in the auth Worker's own tests: deployed but failing (every
 * SessionControl call fails) until a test brings it up with `POST /up` through BACKEND_STANDIN; it
 * then accepts calls and lists them at `/calls`. `POST /down` takes it down again.
 */
const standInBackend = {
  name: "tether-backend",
  modules: true,
  compatibilityDate: "2026-10-01",
  script: `import { WorkerEntrypoint } from "cloudflare:workers";
    const state = { up: false, calls: [] };
    function answer(method, args) {
      if (!state.up) return { ok: false, error: { code: "internal_error", message: "backend unavailable" } };
      state.calls.push({ method, args: args.slice(1) });
      return { ok: true, value: 1 };
    }
    export class SessionControl extends WorkerEntrypoint {
      revokeSession(...args) { return answer("revokeSession", args); }
      revokeUser(...args) { return answer("revokeUser", args); }
      userUpdated(...args) { return answer("userUpdated", args); }
      userClaimed(...args) { return answer("userClaimed", args); }
    }
    export default {
      fetch(request) {
        const path = new URL(request.url).pathname;
        if (path === "/up") state.up = true;
        if (path === "/down") state.up = false;
        return Response.json(path === "/calls" ? state.calls : { up: state.up });
      },
    };`,
};

/** Sign-in providers of the auth tests: the local provider as OIDC and GitHub-style, and two that misbehave. */
const testProviders = {
  dev: { type: "oidc", name: "dev provider", issuer: "http://localhost:8788", client_id: "tether-dev" },
  "dev-github": {
    type: "github",
    client_id: "tether-dev",
    web_url: "http://localhost:8788/github",
    api_url: "http://localhost:8788/github/api",
  },
  confidential: { type: "oidc", issuer: "http://localhost:8788", client_id: "tether-confidential" },
  hangs: { type: "oidc", issuer: "https://hangs.test", client_id: "tether" },
  broken: { type: "oidc", issuer: "https://broken.test", client_id: "tether" },
};
// The tests play a browser on a loopback host, as under `npm run dev` (development features answer only there).
const testOrigin = "http://localhost";
const providerClients = [
  { client_id: "tether-dev", redirect_uris: [`${testOrigin}/auth/oauth/dev/callback`, `${testOrigin}/auth/oauth/dev-github/callback`] },
  {
    client_id: "tether-confidential",
    client_secret: "confidential-test-secret",
    redirect_uris: [`${testOrigin}/auth/oauth/confidential/callback`],
  },
];

/**
 * The backend as the main Worker and the auth Worker as an auxiliary one, both databases migrated
 * by the setup file: what the backend and security projects run against.
 */
function backendProject(name: string, include: string[], vars: Record<string, string> = {}, main?: string) {
  return {
    plugins: [
      cloudflareTest(async () => ({
        wrangler: { configPath: "./wrangler.jsonc", environment: "dev" },
        ...(main ? { main } : {}),
        miniflare: {
          bindings: {
            AUTH_SERVICE_SECRET: backendServiceSecret,
            TEST_AUTH_MIGRATIONS: await readD1Migrations("migrations/auth"),
            TEST_APP_MIGRATIONS: await readD1Migrations("migrations/app"),
            ...vars,
          },
          // AUTH_DB lets the setup file migrate and seed the auth Worker's database.
          d1Databases: { APP_DB: APP_DB_ID, AUTH_DB: AUTH_DB_ID },
          workers: [await authAuxiliaryWorker(name)],
        },
      })),
    ],
    resolve: { conditions: [SOURCE_CONDITION] },
    ssr: { resolve: { conditions: SSR_CONDITIONS } },
    test: { name, include, setupFiles: ["test/backend/setup.ts"] },
  };
}

// The backend's service credentials exist for this run only; setup files register them with auth.
const backendServiceSecret = randomBytes(32).toString("base64url");

export default defineConfig({
  test: {
    // Every request logs a structured line (docs/architecture.md, Environments): shown for failing tests only.
    silent: "passed-only",
    // Test files of a project share their Workers' runtime instead of getting one each: the
    // workerd projects took 95 s with a runtime per file and take 30 s shared, on 2 cores. It
    // holds because no test depends on another's state: each makes its own users, sessions and
    // threads, and module-level caches only ever hold what a test made itself.
    isolate: false,
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./workers/auth/wrangler.jsonc", environment: "dev" },
            miniflare: {
              bindings: {
                TEST_AUTH_MIGRATIONS: await readD1Migrations("migrations/auth"),
                OAUTH_PROVIDERS: JSON.stringify(testProviders),
                OAUTH_CLIENT_SECRET_CONFIDENTIAL: "confidential-test-secret",
                OAUTH_PROVIDER_TIMEOUT_MS: "1500",
                ALLOWED_RETURN_ORIGINS: `${testOrigin} https://app.example https://*.preview.example`,
                // The OAuth proxy: sign-ins that start on another origin move here first.
                OAUTH_CALLBACK_ORIGIN: testOrigin,
              },
              // The auth Worker's fetches to providers go to the test network; tests play the
              // browser and reach the provider through DEV_OIDC.
              outboundService: "test-network",
              serviceBindings: { DEV_OIDC: "tether-dev-oidc", BACKEND_STANDIN: "tether-backend" },
              // The auth Worker alone, its BACKEND binding pointing at a stand-in that is down unless
              // a test brings it up: session-sync pushes fail and must stay in the outbox.
              workers: [standInBackend, await devOidcAuxiliaryWorker(providerClients), testNetwork],
            },
          })),
        ],
        resolve: { conditions: [SOURCE_CONDITION] },
        ssr: { resolve: { conditions: SSR_CONDITIONS } },
        test: {
          name: "auth",
          include: ["test/auth/**/*.test.ts", "test/shared/**/*.test.ts", "test/security/auth/**/*.test.ts"],
          setupFiles: ["test/auth/setup.ts"],
          // One database for the project, and the key-rotation tests retire keys: files run one at a time.
          fileParallelism: false,
        },
      },
      backendProject("backend", ["test/backend/**/*.test.ts"]),
      // The security and fault suite: the same two Workers, with the demo agent paced (30 ms a
      // step) so a run is still in flight when a test resets its session object.
      // The JWT corpus goes through one session's auth_refresh: its refresh budget (6 a minute,
      // tested in the backend project) is raised so that every forged token reaches validation.
      backendProject("security", ["test/security/*.test.ts"], { DEMO_AGENT_STEP_DELAY_MS: "30", WS_MAX_REFRESHES_PER_MINUTE: "1000" }),
      // Agents through real session objects: an app of its own (test/agents/worker.ts) gives the
      // test agents, AGENT names them, and a run lives a second at most, so the deadline is seen.
      backendProject("agents", ["test/agents/**/*.test.ts"], { AGENT: "test", AGENT_RUN_TIMEOUT_SECONDS: "1" }, "test/agents/worker.ts"),
      {
        // The Agents SDK example (workers/agents-example) behind the guard, as the main Worker, with
        // the auth Worker beside it: session sync reaches the example's SessionControl.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./workers/agents-example/wrangler.jsonc" },
            main: "test/agents-sdk/worker.ts",
            miniflare: {
              bindings: { AUTH_SERVICE_SECRET: backendServiceSecret, TEST_AUTH_MIGRATIONS: await readD1Migrations("migrations/auth") },
              d1Databases: { AUTH_DB: AUTH_DB_ID },
              // A Chat that drops withTether's session tag: its connections must not stay open.
              durableObjects: { UNTAGGED_CHAT: { className: "UntaggedChat", useSQLite: true } },
              workers: [await authAuxiliaryWorker("agents-sdk")],
            },
          })),
        ],
        resolve: { conditions: [SOURCE_CONDITION] },
        ssr: { resolve: { conditions: SSR_CONDITIONS } },
        test: { name: "agents-sdk", include: ["test/agents-sdk/**/*.test.ts"], setupFiles: ["test/agents-sdk/setup.ts"] },
      },
      {
        // Node-hosted tests: real `wrangler dev` processes on 127.0.0.1, and the deploy configs.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "test/deploy/**/*.test.ts", "test/docs/**/*.test.ts", "test/security/node/**/*.test.ts"],
          environment: "node",
          // Stops whatever wrangler/workerd a failed test or setup left running (processes.ts).
          globalSetup: ["test/support/node/global-teardown.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // A poll here waits on real processes and a real browser: under a loaded CI machine the
          // default second is too short for a run to start (a first message creates its session
          // object and writes D1), so polls wait up to 10 s and still stop at the first match.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
