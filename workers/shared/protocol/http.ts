/**
 * @module
 * The HTTP API's shared shapes: the one error body and its typed codes (each with the status it
 * implies), the token response, the user and a session as the API shows them.
 */

/** Every error code of the HTTP API, with its status (docs/protocol.md, Errors). */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  weak_password: 400,
  invalid_return_to: 400,
  invalid_state: 400,
  invalid_verification_token: 400,
  invalid_reset_token: 400,
  invalid_passkey_challenge: 400,
  invalid_passkey_response: 400,
  invalid_credentials: 401,
  invalid_token: 401,
  token_expired: 401,
  token_revoked: 401,
  invalid_refresh_token: 401,
  invalid_service: 401,
  service_token_required: 401,
  invalid_handoff: 401,
  oauth_failed: 401,
  mfa_required: 401,
  invalid_mfa_token: 401,
  invalid_mfa_code: 401,
  invalid_passkey: 401,
  forbidden: 403,
  permission_denied: 403,
  dev_login_disabled: 403,
  oauth_denied: 403,
  email_not_verified: 403,
  account_disabled: 403,
  reauth_required: 403,
  not_found: 404,
  unknown_provider: 404,
  method_not_allowed: 405,
  email_taken: 409,
  mfa_already_enabled: 409,
  mfa_not_enabled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  auth_unavailable: 503,
  signing_keys_unavailable: 503,
  provider_unavailable: 503,
  passkeys_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** Every error answer: `{"error": {"code", "message"}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * A first factor that passed for an account with a second one (401 `mfa_required`): the error, and
 * the single-use token that `POST /auth/mfa/verify {mfa_token, code}` finishes the sign-in with.
 */
export interface MfaRequiredBody extends ErrorBody {
  mfa_token: string;
  /** Seconds the token lives (300). */
  expires_in: number;
}

/** The user as the API shows it: never a password hash. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
  permissions: string[];
  created_at: string;
  disabled: boolean;
}

/** The body of register, login, dev login, refresh and the OAuth handoff. */
export interface TokenResponse {
  user: PublicUser;
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
  /**
   * Every sign-in's answer (not a refresh's): marks this device as the account's own, so a later
   * `POST /auth/login` that presents it is admitted while the account refuses unknown devices
   * after a flood of wrong passwords. It authorises nothing else.
   */
  device_token?: string;
}

/** One of the user's sessions, as GET /auth/sessions lists them. */
export interface SessionSummary {
  id: string;
  created_at: string;
  last_activity: string;
  user_agent: string | null;
  ip_address: string | null;
  current: boolean;
}
