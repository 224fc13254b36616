import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { seedServiceClient } from "../support/auth-db.js";

await applyD1Migrations(env.AUTH_DB, env.TEST_AUTH_MIGRATIONS);
// The example app is a registered service client of auth, as a team's Agents app would be.
await seedServiceClient(env.AUTH_DB, { id: env.AUTH_SERVICE_ID, secret: env.AUTH_SERVICE_SECRET, name: "tether-agents-example" });
