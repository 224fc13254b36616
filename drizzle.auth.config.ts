import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/auth/db/schema.ts",
  out: "./migrations/auth",
});
