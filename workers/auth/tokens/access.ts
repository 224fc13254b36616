import { jwtVerify, SignJWT } from "jose";
import { TokenError, TOKEN_FAILURE_MESSAGES, tokenFailureFromJoseError } from "../../shared/token-errors.js";
import {
  ACCESS_TOKEN_MAX_AGE_SECONDS,
  AccessClaimsSchema,
  isCanonicalCompactJws,
  jwtVerifyOptions,
  TOKEN_ALGORITHM,
  type AccessClaims,
  type TokenSubject,
} from "../../shared/tokens.js";
import type { AuthConfig } from "../config.js";
import type { KeyRing } from "./keys.js";

export interface AccessTokenSubject extends TokenSubject {
  /** At most the configured TTL: less when the session ends sooner. */
  ttlSeconds: number;
  /** How and when (epoch ms) the session signed in: the `amr` and `auth_time` claims. */
  amr: string[];
  authTimeMs: number;
}

export async function signAccessToken(
  ring: KeyRing,
  config: AuthConfig,
  subject: AccessTokenSubject,
): Promise<{ token: string; expiresIn: number }> {
  const token = await new SignJWT({
    sid: subject.sessionId,
    token_type: "access",
    email: subject.email,
    name: subject.name,
    email_verified: subject.emailVerified,
    permissions: subject.permissions,
    amr: subject.amr,
    auth_time: Math.floor(subject.authTimeMs / 1000),
  })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: ring.kid, typ: "JWT" })
    .setIssuer(config.issuer)
    .setAudience(config.accessTokenAudience)
    .setSubject(subject.userId)
    .setIssuedAt()
    .setExpirationTime(`${subject.ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(ring.privateKey);
  return { token, expiresIn: subject.ttlSeconds };
}

/**
 * Checks the token's canonical form, signature (ES256 only, against the access keys only), `exp`,
 * `nbf`, `iat` (not in the future, at most a day old), `iss`, `aud` and the claim shape including
 * `token_type: "access"`. Whether the session is still live is the
 * caller's second step (sessions.ts), because it needs the database.
 */
export async function verifyAccessToken(token: string, ring: KeyRing, config: AuthConfig): Promise<AccessClaims> {
  let payload: unknown;
  try {
    if (!isCanonicalCompactJws(token)) throw new TokenError("invalid_token", TOKEN_FAILURE_MESSAGES.invalid_token);
    ({ payload } = await jwtVerify(
      token,
      ring.verificationKeys,
      jwtVerifyOptions({
        issuer: config.issuer,
        audience: config.accessTokenAudience,
        maxAgeSeconds: ACCESS_TOKEN_MAX_AGE_SECONDS,
        requiredClaims: ["exp", "iat", "jti", "sub", "sid"],
      }),
    ));
  } catch (error) {
    if (error instanceof TokenError) throw error;
    const code = tokenFailureFromJoseError(error);
    throw new TokenError(code, TOKEN_FAILURE_MESSAGES[code]);
  }
  const claims = AccessClaimsSchema.safeParse(payload);
  if (!claims.success) throw new TokenError("invalid_token", TOKEN_FAILURE_MESSAGES.invalid_token);
  return claims.data;
}
