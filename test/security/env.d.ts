/**
 * @module
 * What `env` from `cloudflare:workers` holds in the backend and security projects' tests
 * (vitest.config.ts): the backend's bindings typed by their contracts, its secret, and the auth
 * Worker's database, which the setup file migrates and tests read back.
 */
import type { D1Migration } from "cloudflare:test";
import type { BackendBindings } from "../../workers/backend/config.js";

declare global {
  namespace Cloudflare {
    interface Env {
      AUTH: BackendBindings["AUTH"];
      AUTH_SERVICE_SECRET: string;
      AUTH_DB: D1Database;
      TEST_AUTH_MIGRATIONS: D1Migration[];
      TEST_APP_MIGRATIONS: D1Migration[];
    }
  }
}
