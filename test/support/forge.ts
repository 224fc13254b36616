import { decodeJwt, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from "jose";

/**
 * Signs tokens with chosen claims for attack and expiry tests, using the auth Worker's own keys
 * read from its database (the dev keys are generated on first use and kept there).
 */
export async function signingKey(
  db: D1Database,
  purpose: "access" | "service" | "oauth_state",
): Promise<{ kid: string; key: CryptoKey | Uint8Array; jwk: JWK }> {
  const row = await db
    .prepare("SELECT kid, private_jwk FROM signing_keys WHERE purpose = ? AND status = 'current'")
    .bind(purpose)
    .first<{ kid: string; private_jwk: string }>();
  if (!row) throw new Error(`no current ${purpose} key: issue a token first`);
  return { kid: row.kid, key: await importJWK(JSON.parse(row.private_jwk) as JWK, "ES256"), jwk: JSON.parse(row.private_jwk) as JWK };
}

/** Re-signs `template`'s claims with `overrides`, under the given key and header. */
export async function forgeToken(
  db: D1Database,
  template: string,
  overrides: JWTPayload & Record<string, unknown> = {},
  options: { purpose?: "access" | "service"; kid?: string } = {},
): Promise<string> {
  const { kid, key } = await signingKey(db, options.purpose ?? "access");
  const claims = { ...decodeJwt(template), jti: crypto.randomUUID(), ...overrides };
  return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: options.kid ?? kid, typ: "JWT" }).sign(key);
}

/** A token signed by a key the auth Worker has never seen, under a kid it does not know. */
export async function tokenFromUnknownKey(template: string): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT(decodeJwt(template)).setProtectedHeader({ alg: "ES256", kid: "unknown-kid", typ: "JWT" }).sign(privateKey);
}

const base64Url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** `alg: none`: the claims of a real token with no signature at all. */
export function unsignedToken(template: string): string {
  return `${base64Url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${template.split(".")[1]}.`;
}

/** HS256 "signed" with the public key as the HMAC secret: the classic algorithm-confusion attack. */
export async function hmacWithPublicKey(db: D1Database, template: string): Promise<string> {
  const { kid, jwk } = await signingKey(db, "access");
  const { d: _private, ...publicJwk } = jwk;
  const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
  return new SignJWT(decodeJwt(template)).setProtectedHeader({ alg: "HS256", kid, typ: "JWT" }).sign(secret);
}

/** The same token with one claim changed in its payload and the original signature kept. */
export function tamperedToken(template: string, overrides: Record<string, unknown>): string {
  const [header, , signature] = template.split(".");
  return `${header}.${base64Url(JSON.stringify({ ...decodeJwt(template), ...overrides }))}.${signature}`;
}

/**
 * A service token as the auth Worker mints its own (issuer, audience `tether-backend`), with the
 * subject, name and permissions given, signed with the real service key: the auth Worker's
 * session-sync token is `{sub: "auth", service: "tether-auth"}`.
 */
export async function forgedServiceToken(db: D1Database, claims: { sub: string; service: string; permissions: string[] }): Promise<string> {
  const { kid, key } = await signingKey(db, "service");
  return new SignJWT({ service: claims.service, token_type: "service", permissions: claims.permissions })
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer("http://localhost:8787")
    .setAudience("tether-backend")
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime("5m")
    .setJti(crypto.randomUUID())
    .sign(key);
}
