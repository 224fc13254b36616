/**
 * @module
 * Reading numeric settings from `vars` (always strings in wrangler). Each setting is declared once,
 * with its name, documented default and bounds, in its runtime's config module — `workers/auth/config.ts`
 * for the auth Worker, `backend-config.ts` for the backend Worker and its session objects. A missing
 * value is the default; a malformed or out-of-bounds one is the default too, and says so in one
 * warning per isolate instead of failing requests.
 */
import { TetherConfigError } from "./config-error.js";
import { logEvent } from "./request-log.js";

export interface IntegerSetting {
  /** The var's name in wrangler.jsonc. */
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

/**
 * The settings table with an app's own defaults (`tether({ limits })`, `tetherAuth({ settings })`):
 * each given value must be a known key and an integer in the setting's bounds, or start-up fails
 * naming it. A var, when set, still wins over the app's default.
 */
export function withAppDefaults<Settings extends Record<string, IntegerSetting>>(
  settings: Settings,
  given: unknown,
  option: string,
): Settings {
  if (given === undefined) return settings;
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new TetherConfigError(option, "must be an object of setting → integer");
  const table: Record<string, IntegerSetting> = { ...settings };
  for (const [key, value] of Object.entries(given)) {
    const setting = settings[key];
    if (!setting) throw new TetherConfigError(`${option}.${key}`, `is not a setting (known: ${Object.keys(settings).join(", ")})`);
    if (typeof value !== "number" || !Number.isInteger(value) || value < setting.min || value > setting.max)
      throw new TetherConfigError(`${option}.${key}`, `must be an integer from ${setting.min} to ${setting.max}`);
    table[key] = { ...setting, default: value };
  }
  return table as Settings;
}
