import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.js";

export type AppDatabase = ReturnType<typeof appDatabase>;

export function appDatabase(d1: D1Database) {
  return drizzle(d1, { schema });
}
