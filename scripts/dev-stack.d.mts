// Types for dev-stack.mjs, so the TypeScript end-to-end tests can share it.
export const WRANGLER: string;
export function devProviders(providerOrigin: string): string;
export function devAuthVars(appOrigin: string, providerOrigin?: string): Record<string, string>;
export function devArgs(
  worker: "backend" | "auth" | "provider",
  options?: { persistTo?: string; vars?: Record<string, string>; extra?: string[] },
): string[];
export function listenArgs(options: { port: number; ip?: string; inspectorPort?: number }): string[];
export function portIsFree(port: number, host?: string): Promise<boolean>;
export function anyFreePort(): Promise<number>;
