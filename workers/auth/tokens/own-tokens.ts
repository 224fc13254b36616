/**
 * @module
 * Tokens the auth Worker signs for itself alone — a provider sign-in's `state`, a device token.
 * Each kind has a key of its own (never in a JWKS), its own `typ` and audience; all are ES256 with
 * our issuer. One recipe for both ends, so a kind cannot be signed one way and checked another.
 */
import { jwtVerify, SignJWT, type JWTPayload } from "jose";
import { TOKEN_ALGORITHM } from "../../shared/tokens.js";
import type { AuthContext } from "../context.js";
import type { KeyRing } from "./keys.js";

export interface OwnTokenKind {
  typ: string;
  audience: string;
  ttlSeconds: number;
  /** The kind's key ring (`ctx.deviceKeys()`, …). */
  keys: (ctx: AuthContext) => Promise<KeyRing>;
}

export async function signOwnToken(
  ctx: AuthContext,
  kind: OwnTokenKind,
  claims: JWTPayload,
  ids: { jti: string; sub?: string },
): Promise<string> {
  const keys = await kind.keys(ctx);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.kid, typ: kind.typ })
    .setIssuer(ctx.config.issuer)
    .setAudience(kind.audience);
  if (ids.sub !== undefined) jwt.setSubject(ids.sub);
  return jwt.setJti(ids.jti).setIssuedAt().setExpirationTime(`${kind.ttlSeconds}s`).sign(keys.privateKey);
}

/** The payload of a token of `kind` holding `requiredClaims`; jose's error for anything else. */
export async function verifyOwnToken(ctx: AuthContext, kind: OwnTokenKind, token: string, requiredClaims: string[]): Promise<JWTPayload> {
  const keys = await kind.keys(ctx);
  const { payload } = await jwtVerify(token, keys.verificationKeys, {
    algorithms: [TOKEN_ALGORITHM],
    issuer: ctx.config.issuer,
    audience: kind.audience,
    typ: kind.typ,
    requiredClaims,
  });
  return payload;
}
