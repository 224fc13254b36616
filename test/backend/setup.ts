import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { seedServiceClient } from "../support/auth-db.js";

await applyD1Migrations(env.AUTH_DB, env.TEST_AUTH_MIGRATIONS);
await applyD1Migrations(env.APP_DB, env.TEST_APP_MIGRATIONS);
// Register the backend as a service client of auth, as `npm run dev` does for local development.
await seedServiceClient(env.AUTH_DB, {
  id: env.AUTH_SERVICE_ID,
  secret: env.AUTH_SERVICE_SECRET,
  name: "tether-backend",
  audiences: ["tether-auth"],
});
