import { readInteger } from "../shared/config.js";
import type { SessionControlApi } from "../shared/rpc.js";

/** Secrets are not in wrangler.toml, so `wrangler types` cannot see them: declared here. */
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

export interface AuthConfig {
  /** `ENVIRONMENT = "development"`: only [env.dev] of wrangler.toml; never a deployable section. */
  isDevelopment: boolean;
  issuer: string;
  accessTokenAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** A rotated refresh token presented again within this long gets the same successor. */
  refreshReuseGraceSeconds: number;
  /** The absolute lifetime of a session, however often it refreshes. */
  sessionMaxAgeSeconds: number;
  /** How long ended sessions, spent tokens and delivered sync rows are kept before the cron purges them. */
  retentionDays: number;
}

export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
export const DEFAULT_REFRESH_REUSE_GRACE_SECONDS = 30;
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;
export const DEFAULT_RETENTION_DAYS = 30;

export function authConfig(env: AuthBindings): AuthConfig {
  return {
    isDevelopment: env.ENVIRONMENT === "development",
    issuer: env.AUTH_ISSUER,
    accessTokenAudience: env.ACCESS_TOKEN_AUDIENCE,
    accessTokenTtlSeconds: readInteger(env.ACCESS_TOKEN_TTL_SECONDS, DEFAULT_ACCESS_TOKEN_TTL_SECONDS, {
      min: 1,
      max: 86_400,
    }),
    refreshTokenTtlSeconds: readInteger(env.REFRESH_TOKEN_TTL_SECONDS, DEFAULT_REFRESH_TOKEN_TTL_SECONDS, {
      min: 60,
      max: 90 * 86_400,
    }),
    refreshReuseGraceSeconds: readInteger(env.REFRESH_REUSE_GRACE_SECONDS, DEFAULT_REFRESH_REUSE_GRACE_SECONDS, { min: 0, max: 300 }),
    sessionMaxAgeSeconds: readInteger(env.SESSION_MAX_AGE_SECONDS, DEFAULT_SESSION_MAX_AGE_SECONDS, { min: 60, max: 365 * 86_400 }),
    retentionDays: readInteger(env.RETENTION_DAYS, DEFAULT_RETENTION_DAYS, { min: 1, max: 3650 }),
  };
}
