import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { D1Migration } from "cloudflare:test";

const testEnv = env as unknown as { AUTH_DB: D1Database; TEST_AUTH_MIGRATIONS: D1Migration[] };
await applyD1Migrations(testEnv.AUTH_DB, testEnv.TEST_AUTH_MIGRATIONS);
