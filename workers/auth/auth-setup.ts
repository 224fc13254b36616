/**
 * @module
 * What an app's `tetherAuth(options)` gives the auth Worker: its sign-in providers, its mail
 * transport, its password policy and its own defaults for the numeric settings. Checked once, at
 * start-up: a mistake throws a TetherConfigError naming the option.
 */
import { TetherConfigError } from "../shared/config-error.js";
import { withAppDefaults } from "../shared/config.js";
import { AUTH_SETTINGS, type AuthBindings, type AuthSettings } from "./config.js";
import type { Mailer } from "./mail/mail-types.js";
import { providersProblem, type ProviderSettingsInput } from "./oauth/providers.js";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./passwords.js";

/** `Env`: the app's own vars and secrets its mailer reads (`tetherAuth<{ MAIL_API_KEY: string }>(…)`). */
export interface TetherAuthOptions<Env = unknown> {
  /**
   * Sign-in providers by id, in the shape of the `OAUTH_PROVIDERS` var (docs/sign-in.md); the
   * var, when set, replaces them. Client secrets stay secrets: `OAUTH_CLIENT_SECRET_<ID>`.
   */
  providers?: Readonly<Record<string, ProviderSettingsInput>>;
  /**
   * The mail transport outside development (verification and reset mail). Default: Cloudflare's
   * `send_email` binding `EMAIL` with `MAIL_FROM`, else nothing is sent. Development on a
   * loopback host always keeps mail in the dev mailbox.
   */
  mailer?: (env: AuthBindings & Env) => Mailer;
  /** New passwords must be at least `minLength` characters (default 8, at most 128). */
  passwordPolicy?: { minLength?: number };
  /** The app's defaults for any numeric setting, by its key in AUTH_SETTINGS (docs/configuration.md); a var, when set, wins. */
  settings?: Partial<Record<keyof AuthSettings, number>>;
}

export interface AuthSetup {
  settings: AuthSettings;
  /** The app's providers as the `OAUTH_PROVIDERS` var would hold them ("" for none). */
  providers: string;
  mailer: ((env: AuthBindings) => Mailer) | null;
  passwordMinLength: number;
}

export function authSetup<Env>(options: TetherAuthOptions<Env> = {}): AuthSetup {
  const problem = options.providers === undefined ? null : providersProblem(options.providers);
  if (problem) throw new TetherConfigError(problem.path ? `providers.${problem.path}` : "providers", problem.message);
  if (options.mailer !== undefined && typeof options.mailer !== "function")
    throw new TetherConfigError("mailer", "must be a function of env that returns a Mailer ({ send(mail) })");
  const minLength = options.passwordPolicy?.minLength ?? PASSWORD_MIN_LENGTH;
  if (!Number.isInteger(minLength) || minLength < PASSWORD_MIN_LENGTH || minLength > PASSWORD_MAX_LENGTH)
    throw new TetherConfigError("passwordPolicy.minLength", `must be an integer from ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH}`);
  return {
    settings: withAppDefaults(AUTH_SETTINGS, options.settings, "settings"),
    providers: options.providers === undefined ? "" : JSON.stringify(options.providers),
    // The runtime's env holds every var and secret of the config, the app's own among them.
    mailer: (options.mailer as ((env: AuthBindings) => Mailer) | undefined) ?? null,
    passwordMinLength: minLength,
  };
}

/** The setup of an app that gives no options: what the auth tests run. */
export const DEFAULT_AUTH_SETUP: AuthSetup = authSetup();
