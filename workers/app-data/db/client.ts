import { databaseFor, type Database } from "../../shared/d1.js";

/** The app's database (APP_DB), written by the session objects; tables in ./schema.ts. */
export type AppDatabase = Database;
export const appDatabase: (d1: D1Database | D1DatabaseSession) => AppDatabase = databaseFor;
