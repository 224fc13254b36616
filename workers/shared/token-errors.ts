import { errors } from "jose";
import type { TokenFailureCode } from "./tokens.js";

/**
 * The one place jose's failures become our codes, by jose's stable `code` and never by message
 * text. Everything that is not "expired" is `invalid_token`: a caller learns no more than that.
 */
export function tokenFailureFromJoseError(error: unknown): TokenFailureCode {
  if (error instanceof errors.JWTExpired) return "token_expired";
  return "invalid_token";
}

export class TokenError extends Error {
  readonly code: TokenFailureCode;
  constructor(code: TokenFailureCode, message: string) {
    super(message);
    this.name = "TokenError";
    this.code = code;
  }
}

/** A human message per failure code; the same for every cause behind `invalid_token`. */
export const TOKEN_FAILURE_MESSAGES: Record<TokenFailureCode, string> = {
  invalid_token: "The token is not valid.",
  token_expired: "The token has expired.",
  token_revoked: "The session of this token has been revoked.",
};
