// Types for configs.mjs, so the TypeScript deploy tests can call it.
export interface WorkerConfig {
  key: "auth" | "backend";
  label: string;
  dir: string;
}
export const WORKERS: WorkerConfig[];
export const PLACEHOLDER_DATABASE_ID: RegExp;
export function configPath(root: string, worker: WorkerConfig): string;
export function writeDatabaseId(root: string, config: string, databaseName: string, id: string): boolean;
export function setupProblems(root: string, env: string): string[];
