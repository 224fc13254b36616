/**
 * Reads numeric configuration from `vars` (always strings in wrangler). A missing or malformed
 * value falls back to the documented default instead of failing requests.
 */
export function readSeconds(value: string | undefined, fallback: number, bounds = { min: 0, max: 31_536_000 }): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < bounds.min || parsed > bounds.max) return fallback;
  return parsed;
}

/** Splits a comma-separated list var, dropping blanks. */
export function readList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
