// Types for client-size.mjs, so the size test can call it.
export const CLIENT_GZIP_BUDGET_BYTES: number;
export function clientSize(): Promise<{ minifiedBytes: number; gzipBytes: number }>;
