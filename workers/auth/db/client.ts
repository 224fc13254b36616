import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.js";

export type AuthDatabase = ReturnType<typeof authDatabase>;

export function authDatabase(d1: D1Database) {
  return drizzle(d1, { schema });
}
