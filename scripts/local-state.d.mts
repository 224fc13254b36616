// Types for local-state.mjs, so the TypeScript end-to-end tests can share it.
export function wrangler(args: string[], options?: { quiet?: boolean }): string;
export function applyLocalMigrations(persistTo: string, options?: { backend?: boolean; quiet?: boolean }): void;
export function upsertServiceClient(options: {
  id: string;
  name: string;
  audiences?: string[];
  permissions?: string[];
  secret: string;
  target: string[];
}): void;
export function registerBackendServiceClient(secret: string, persistTo: string): void;
