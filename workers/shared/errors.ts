/**
 * @module
 * The one error shape of every HTTP answer and RPC failure: `{"error": {"code", "message"}}`.
 * Codes are shared by the Workers and the client SDK, so a client can switch on them.
 */

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  weak_password: 400,
  invalid_return_to: 400,
  invalid_state: 400,
  invalid_verification_token: 400,
  invalid_reset_token: 400,
  invalid_credentials: 401,
  invalid_token: 401,
  token_expired: 401,
  token_revoked: 401,
  invalid_refresh_token: 401,
  invalid_service: 401,
  service_token_required: 401,
  invalid_handoff: 401,
  oauth_failed: 401,
  forbidden: 403,
  permission_denied: 403,
  dev_login_disabled: 403,
  oauth_denied: 403,
  email_not_verified: 403,
  account_disabled: 403,
  not_found: 404,
  unknown_provider: 404,
  method_not_allowed: 405,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  auth_unavailable: 503,
  signing_keys_unavailable: 503,
  provider_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * Thrown anywhere a request must end with a typed error. The HTTP layer turns it into the JSON
 * shape above; the status comes from the code, so the two can never disagree.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = headers;
  }

  toJSON(): ErrorBody {
    return errorBody(this.code, this.message);
  }
}
