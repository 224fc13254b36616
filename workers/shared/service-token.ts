/**
 * @module
 * Service tokens, the callee's side and the caller's side. Both Workers use this file: the auth
 * Worker to check the backend's calls, the backend to check the auth Worker's calls.
 */
import { jwtVerify, type JWTVerifyGetKey } from "jose";
import { TokenError, TOKEN_FAILURE_MESSAGES, tokenFailureFromJoseError } from "./token-errors.js";
import {
  isCanonicalCompactJws,
  jwtVerifyOptions,
  SERVICE_TOKEN_MAX_AGE_SECONDS,
  SERVICE_TOKEN_RENEW_BEFORE_SECONDS,
  ServiceClaimsSchema,
  type ServiceClaims,
} from "./tokens.js";

export interface ServiceTokenExpectation {
  /** The auth Worker's issuer string. */
  issuer: string;
  /** The callee's own service name: a token addressed to anyone else is refused. */
  audience: string;
}

/**
 * Verifies a service token against the auth Worker's *service* keys only. A user access token
 * fails here twice over: it is signed with the access key (no matching `kid`) and its
 * `token_type` is not "service".
 */
export async function verifyServiceToken(
  token: string,
  serviceKeys: JWTVerifyGetKey,
  expected: ServiceTokenExpectation,
): Promise<ServiceClaims> {
  let payload: unknown;
  try {
    if (!isCanonicalCompactJws(token)) throw new TokenError("invalid_token", TOKEN_FAILURE_MESSAGES.invalid_token);
    ({ payload } = await jwtVerify(
      token,
      serviceKeys,
      jwtVerifyOptions({
        issuer: expected.issuer,
        audience: expected.audience,
        maxAgeSeconds: SERVICE_TOKEN_MAX_AGE_SECONDS,
        requiredClaims: ["exp", "iat", "jti", "sub"],
      }),
    ));
  } catch (error) {
    const code = tokenFailureFromJoseError(error);
    throw new TokenError(code, TOKEN_FAILURE_MESSAGES[code]);
  }
  const claims = ServiceClaimsSchema.safeParse(payload);
  if (!claims.success) throw new TokenError("invalid_token", TOKEN_FAILURE_MESSAGES.invalid_token);
  return claims.data;
}

export interface MintedServiceToken {
  access_token: string;
  expires_in: number;
}

/**
 * The caller's side: mints a service token once and hands out the same one until
 * SERVICE_TOKEN_RENEW_BEFORE_SECONDS before it expires. Concurrent callers share one mint.
 */
export class ServiceTokenSource {
  private token: string | null = null;
  private renewAtMs = 0;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly mint: () => Promise<MintedServiceToken>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.token !== null && this.now() < this.renewAtMs) return this.token;
    this.pending ??= this.renew().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forget the token, e.g. after the callee refused it. */
  invalidate(): void {
    this.token = null;
    this.renewAtMs = 0;
  }

  private async renew(): Promise<string> {
    const issuedAtMs = this.now();
    const minted = await this.mint();
    const lifetimeSeconds = Math.max(0, minted.expires_in - SERVICE_TOKEN_RENEW_BEFORE_SECONDS);
    this.token = minted.access_token;
    this.renewAtMs = issuedAtMs + lifetimeSeconds * 1000;
    return minted.access_token;
  }
}
