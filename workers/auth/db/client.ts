import { databaseFor, type Database } from "../../shared/d1.js";

/** The auth Worker's database (AUTH_DB); tables in ./schema.ts. */
export type AuthDatabase = Database;
export const authDatabase: (d1: D1Database) => AuthDatabase = databaseFor;
