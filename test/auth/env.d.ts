/**
 * @module
 * What `env` from `cloudflare:workers` holds in the auth project's tests (vitest.config.ts): the
 * auth Worker's own bindings and secrets, and what the tests bring beside it.
 */
import type { D1Migration } from "cloudflare:test";
import type { AuthBindings, AuthSecrets } from "../../workers/auth/config.js";

declare global {
  namespace Cloudflare {
    interface Env extends AuthSecrets {
      BACKEND: NonNullable<AuthBindings["BACKEND"]>;
      /** The auth migrations, applied by setup.ts. */
      TEST_AUTH_MIGRATIONS: D1Migration[];
      /** The local OIDC provider, reached directly (the tests play the browser). */
      DEV_OIDC: Fetcher;
      /** The stand-in for a backend that is down until a test brings it up. */
      BACKEND_STANDIN: Fetcher;
      OAUTH_CLIENT_SECRET_CONFIDENTIAL: string;
    }
  }
}
