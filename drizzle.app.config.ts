import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./durable-objects/db/schema.ts",
  out: "./migrations/app",
});
