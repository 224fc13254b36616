/**
 * @module
 * Reading numeric settings from `vars` (always strings in wrangler). Each setting is declared once,
 * with its name, documented default and bounds, in its runtime's config module — `workers/auth/config.ts`
 * for the auth Worker, `backend-config.ts` for the backend Worker and its session objects. A missing
 * value is the default; a malformed or out-of-bounds one is the default too, and says so in one
 * warning per isolate instead of failing requests.
 */
import { logEvent } from "./request-log.js";

export interface IntegerSetting {
  /** The var's name in wrangler.toml. */
  name: string;
  default: number;
  min: number;
  max: number;
}

const warned = new Set<string>();

export function readSetting(vars: object, setting: IntegerSetting): number {
  const raw: unknown = (vars as Record<string, unknown>)[setting.name];
  if (raw === undefined || (typeof raw === "string" && raw.trim() === "")) return setting.default;
  const parsed = typeof raw === "string" ? Number(raw) : Number.NaN;
  if (Number.isInteger(parsed) && parsed >= setting.min && parsed <= setting.max) return parsed;
  const key = `${setting.name}=${String(raw)}`;
  if (!warned.has(key)) {
    warned.add(key);
    // The name and the bounds, not the value: a var is not a secret, but nothing in a log is copied from config either.
    logEvent("warn", "config_invalid", {
      setting: setting.name,
      expected: `an integer from ${setting.min} to ${setting.max}`,
      using_default: setting.default,
    });
  }
  return setting.default;
}
