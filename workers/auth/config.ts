import { readSetting, type IntegerSetting } from "../shared/config.js";
import type { SessionControlApi } from "../shared/rpc.js";

/** Secrets are not in wrangler.jsonc, so `wrangler types` cannot see them: declared here. */
export interface AuthSecrets {
  /** Private JWK (EC P-256, with `kid`) that signs access tokens. Required outside development. */
  ACCESS_SIGNING_KEY?: string;
  /** The key it replaced, kept in JWKS until tokens signed with it have expired. */
  ACCESS_SIGNING_KEY_PREVIOUS?: string;
  /** Private JWK that signs service tokens; never the access key. */
  SERVICE_SIGNING_KEY?: string;
  SERVICE_SIGNING_KEY_PREVIOUS?: string;
  /** Private JWK that signs the `state` of provider sign-ins (oauth/login-attempts.ts). */
  OAUTH_STATE_SIGNING_KEY?: string;
  OAUTH_STATE_SIGNING_KEY_PREVIOUS?: string;
  /** Signs device tokens (tokens/device.ts): a key of its own, never listed in any JWKS. */
  DEVICE_SIGNING_KEY?: string;
  DEVICE_SIGNING_KEY_PREVIOUS?: string;
  /** 32 random bytes, base64: encrypts TOTP secrets at rest (mfa/encryption.ts). Required outside development. */
  MFA_ENCRYPTION_KEY?: string;
  /** Cloudflare's `send_email` binding, when one is configured (docs/sign-in.md, Mail); with MAIL_FROM, mail is sent. */
  EMAIL?: SendEmail;
  // Provider client secrets are named per provider (`OAUTH_CLIENT_SECRET_<ID>`): see oauth/providers.ts.
}

/**
 * The generated bindings, with BACKEND typed by the shared contract (never by importing the
 * backend) and optional: the auth Worker also runs with no backend at all.
 */
export type AuthBindings = Omit<AuthEnv, "BACKEND"> &
  AuthSecrets & {
    BACKEND?: Fetcher & SessionControlApi;
  };

/** The auth Worker's numeric settings, each with its var, default and bounds (docs/configuration.md). */
export const AUTH_SETTINGS = {
  /** Access-token lifetime. */
  accessTokenTtlSeconds: { name: "ACCESS_TOKEN_TTL_SECONDS", default: 900, min: 1, max: 86_400 },
  /** Refresh-token lifetime, renewed on every rotation (never past the session's end). */
  refreshTokenTtlSeconds: { name: "REFRESH_TOKEN_TTL_SECONDS", default: 7 * 24 * 3600, min: 60, max: 90 * 86_400 },
  /** A rotated refresh token presented again within this long gets the same successor. */
  refreshReuseGraceSeconds: { name: "REFRESH_REUSE_GRACE_SECONDS", default: 30, min: 0, max: 300 },
  /** The absolute lifetime of a session, however often it refreshes. */
  sessionMaxAgeSeconds: { name: "SESSION_MAX_AGE_SECONDS", default: 30 * 24 * 3600, min: 60, max: 365 * 86_400 },
  /** How long ended sessions, spent tokens and delivered sync rows stay before the cron purges them. */
  retentionDays: { name: "RETENTION_DAYS", default: 30, min: 1, max: 3650 },
  /** Failed sign-ins to one account from one client address before that address gets 429 for it. */
  loginMaxFailuresPerAddress: { name: "LOGIN_MAX_FAILURES_PER_ADDRESS", default: 10, min: 1, max: 1000 },
  /** The window of that count and of a device token's (login-throttle.ts). */
  loginFailureWindowSeconds: { name: "LOGIN_FAILURE_WINDOW_SECONDS", default: 900, min: 60, max: 86_400 },
  /**
   * Failed sign-ins to one account from all addresses in an hour, past which it refuses password
   * sign-ins from unknown devices (a valid device token still gets in).
   */
  loginAccountMaxFailures: { name: "LOGIN_ACCOUNT_MAX_FAILURES", default: 50, min: 1, max: 100_000 },
  /** Live sessions a user may have; a sign-in past it ends the oldest. */
  maxSessionsPerUser: { name: "MAX_SESSIONS_PER_USER", default: 50, min: 1, max: 10_000 },
  /** Deadline of each call to a sign-in provider. */
  oauthProviderTimeoutMs: { name: "OAUTH_PROVIDER_TIMEOUT_MS", default: 5000, min: 100, max: 30_000 },
  /**
   * How long after signing in a session may do sensitive things (logout-all, adding or removing a
   * passkey or second factor); later, 403 `reauth_required` until the user signs in again.
   */
  recentAuthSeconds: { name: "RECENT_AUTH_SECONDS", default: 600, min: 30, max: 86_400 },
} as const satisfies Record<string, IntegerSetting>;

export type AuthSettings = typeof AUTH_SETTINGS;

/** What of an app's setup (auth-setup.ts) the config reads. */
export interface AppSettingsSource {
  settings: AuthSettings;
  providers: string;
  passwordMinLength: number;
}

export interface AuthConfig {
  /** `ENVIRONMENT = "development"`: only [env.dev] of wrangler.jsonc; never a deployable section. */
  isDevelopment: boolean;
  issuer: string;
  accessTokenAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  sessionMaxAgeSeconds: number;
  retentionDays: number;
  loginMaxFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  loginAccountMaxFailures: number;
  maxSessionsPerUser: number;
  oauthProviderTimeoutMs: number;
  recentAuthSeconds: number;
  /** The sign-in providers' JSON: the `OAUTH_PROVIDERS` var, else the app's `providers` (oauth/providers.ts). */
  oauthProviders: string;
  /** The app's password policy (`tetherAuth({ passwordPolicy })`). */
  passwordMinLength: number;
}

/** The settings an app's setup and the vars give (auth-setup.ts); a var, when set, wins. */
export function authConfig(env: AuthBindings, setup: AppSettingsSource): AuthConfig {
  const read = (setting: IntegerSetting) => readSetting(env, setting);
  const s = setup.settings;
  const providersVar = env.OAUTH_PROVIDERS?.trim();
  return {
    isDevelopment: env.ENVIRONMENT === "development",
    issuer: env.AUTH_ISSUER,
    accessTokenAudience: env.ACCESS_TOKEN_AUDIENCE,
    accessTokenTtlSeconds: read(s.accessTokenTtlSeconds),
    refreshTokenTtlSeconds: read(s.refreshTokenTtlSeconds),
    refreshReuseGraceSeconds: read(s.refreshReuseGraceSeconds),
    sessionMaxAgeSeconds: read(s.sessionMaxAgeSeconds),
    retentionDays: read(s.retentionDays),
    loginMaxFailuresPerAddress: read(s.loginMaxFailuresPerAddress),
    loginFailureWindowSeconds: read(s.loginFailureWindowSeconds),
    loginAccountMaxFailures: read(s.loginAccountMaxFailures),
    maxSessionsPerUser: read(s.maxSessionsPerUser),
    oauthProviderTimeoutMs: read(s.oauthProviderTimeoutMs),
    recentAuthSeconds: read(s.recentAuthSeconds),
    oauthProviders: providersVar ? providersVar : setup.providers,
    passwordMinLength: setup.passwordMinLength,
  };
}
