/**
 * @module
 * The one error shape of every HTTP answer and RPC failure: `{"error": {"code", "message"}}`.
 * Codes are shared by the Workers and the client SDK, so a client can switch on them.
 */

import { ERROR_STATUS, type ErrorBody, type ErrorCode, type ErrorStatus } from "@tether/protocol";

export { ERROR_STATUS, type ErrorBody, type ErrorCode, type ErrorStatus };

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
