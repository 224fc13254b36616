import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/app-data/db/schema.ts",
  out: "./migrations/app",
});
