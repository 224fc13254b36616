/**
 * The import rules of docs/architecture.md and STYLE.md, checked on the real import graph by
 * `npm run lint:imports` (part of `npm run lint` and CI). A violation fails the build.
 */
module.exports = {
  forbidden: [
    {
      name: "auth-is-independent",
      comment: "The auth Worker must run alone: it never imports the backend or the session objects.",
      severity: "error",
      from: { path: "^workers/auth/" },
      to: { path: "^(workers/backend|workers/app-data|durable-objects)/" },
    },
    {
      name: "nothing-imports-auth",
      comment: "Other parts talk to auth over RPC with the contract in workers/shared, never its internals.",
      severity: "error",
      from: { path: "^(workers/backend|workers/shared|durable-objects|client)/" },
      to: { path: "^workers/auth/" },
    },
    {
      name: "shared-imports-nothing-of-ours",
      comment: "workers/shared is the contract: it depends on libraries only.",
      severity: "error",
      from: { path: "^workers/shared/" },
      to: { path: "^(workers/(auth|backend|app-data)|durable-objects|client)/" },
    },
    {
      name: "app-data-has-one-home",
      comment:
        "The app database's schema and queries live in workers/app-data, used by the backend's routes and the session objects alike; it depends on workers/shared only.",
      severity: "error",
      from: { path: "^workers/app-data/" },
      to: { path: "^(workers/(auth|backend)|durable-objects|client)/" },
    },
    {
      name: "backend-imports-only-the-session-api",
      comment:
        "@tether/server's handler binds the UserSession class to an app's setup and re-exports the agent API; the run machinery stays the objects' own, and what both need lives in workers/shared or workers/app-data.",
      severity: "error",
      from: { path: "^workers/backend/" },
      to: { path: "^durable-objects/", pathNot: "^durable-objects/(user-session|session-setup)\\.ts$|^durable-objects/agents/" },
    },
    {
      name: "the-demo-is-an-app",
      comment:
        "The repository's own deployment (workers/demo) is an app like a team's: it imports the packages' public entry points (@tether/server, @tether/auth), never their internals.",
      severity: "error",
      from: { path: "^workers/demo/" },
      to: {
        path: "^(workers|durable-objects|client)/",
        pathNot:
          "^workers/demo/|^workers/backend/index\\.ts$|^workers/auth/index\\.ts$|^workers/shared/protocol/index\\.ts$|^client/(index|react)\\.ts$",
      },
    },
    {
      name: "the-demo-imports-entries-by-package-name",
      comment:
        "A relative path into a package is what a team cannot write: the demo names the package (@tether/server), as a team's app does.",
      severity: "error",
      from: { path: "^workers/demo/" },
      to: {
        path: "^(workers/(backend|auth)|durable-objects|client)/",
        dependencyTypesNot: ["aliased-workspace", "npm", "npm-dev", "npm-peer", "npm-optional", "aliased"],
      },
    },
    {
      name: "the-agents-example-is-an-app",
      comment:
        "The Agents SDK example (workers/agents-example) is a team's Agents app: it imports the packages' public entry points (@tether/server/agents, @tether/client) by their names, never their internals.",
      severity: "error",
      from: { path: "^workers/agents-example/" },
      to: {
        path: "^(workers|durable-objects|client)/",
        pathNot:
          "^workers/agents-example/|^workers/backend/(index|agents-sdk/index)\\.ts$|^workers/shared/protocol/index\\.ts$|^client/(index|react)\\.ts$",
      },
    },
    {
      name: "the-agents-example-imports-entries-by-package-name",
      severity: "error",
      from: { path: "^workers/agents-example/" },
      to: {
        path: "^(workers/(backend|auth)|durable-objects|client)/",
        dependencyTypesNot: ["aliased-workspace", "npm", "npm-dev", "npm-peer", "npm-optional", "aliased"],
      },
    },
    {
      name: "objects-do-not-import-backend",
      comment: "The backend imports durable-objects to export the class, never the other way round.",
      severity: "error",
      from: { path: "^durable-objects/" },
      to: { path: "^workers/(auth|backend)/" },
    },
    {
      name: "dev-oidc-stands-alone",
      comment: "The local OIDC provider is a stand-in for Google or GitHub: it shares no code with Tether, and nothing imports it.",
      severity: "error",
      from: { path: "^workers/dev-oidc/" },
      to: { path: "^(workers/(auth|backend|shared)|durable-objects|client)/" },
    },
    {
      name: "nothing-imports-dev-oidc",
      severity: "error",
      from: { pathNot: "^workers/dev-oidc/" },
      to: { path: "^workers/dev-oidc/" },
    },
    {
      name: "client-is-a-package",
      comment: "The SDK is published on its own: of Tether's code it imports @tether/protocol alone, never the Workers'.",
      severity: "error",
      from: { path: "^client/" },
      to: { path: "^(workers|durable-objects|public|test|scripts)/", pathNot: "^workers/shared/protocol/" },
    },
    {
      name: "protocol-stands-alone",
      comment: "@tether/protocol is types and constants both sides import: it imports nothing, not even the rest of workers/shared.",
      severity: "error",
      from: { path: "^workers/shared/protocol/" },
      to: { path: "^(workers|durable-objects|client|public)/", pathNot: "^workers/shared/protocol/" },
    },
    {
      name: "page-uses-the-sdk",
      comment:
        "The demo page talks to Tether the way any app would: through @tether/client's entry points, never the Workers' code or the SDK's internals.",
      severity: "error",
      from: { path: "^public/" },
      to: { path: "^(workers|durable-objects)/|^client/(?!(index|react)\\.ts$)" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: "^(workers|durable-objects|client|public/src)/",
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.build|\\.wrangler)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "workers/backend/tsconfig.json" },
    // Our packages by their sources (the `tether-source` export condition), as tsc and vitest resolve them.
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs"], conditionNames: ["tether-source", "import", "types", "default"] },
  },
};
