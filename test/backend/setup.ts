import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { seedServiceClient } from "../support/auth-db.js";

const testEnv = env as unknown as {
  AUTH_DB: D1Database;
  APP_DB: D1Database;
  AUTH_SERVICE_ID: string;
  AUTH_SERVICE_SECRET: string;
  TEST_AUTH_MIGRATIONS: D1Migration[];
  TEST_APP_MIGRATIONS: D1Migration[];
};

await applyD1Migrations(testEnv.AUTH_DB, testEnv.TEST_AUTH_MIGRATIONS);
await applyD1Migrations(testEnv.APP_DB, testEnv.TEST_APP_MIGRATIONS);
// Register the backend as a service client of auth, as `npm run dev` does for local development.
await seedServiceClient(testEnv.AUTH_DB, {
  id: testEnv.AUTH_SERVICE_ID,
  secret: testEnv.AUTH_SERVICE_SECRET,
  name: "tether-backend",
  audiences: ["tether-auth"],
});
