/**
 * @module
 * What this provider hands out: authorization codes, access tokens and ID tokens, all JWTs signed
 * with one key generated when the isolate starts (a development aid keeps no state on disk; a
 * restart simply invalidates codes in flight). Codes are single-use within the isolate.
 */
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";

const ALGORITHM = "ES256";
const CODE_TTL_SECONDS = 60;
export const ACCESS_TOKEN_TTL_SECONDS = 300;

/** The person who filled in the sign-in form. */
export interface DevUser {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

/** Which API the code was issued for: OpenID Connect, or the GitHub-style OAuth endpoints. */
export type Flavor = "oidc" | "github";

export interface CodeGrant {
  flavor: Flavor;
  client_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string;
  nonce: string | null;
  user: DevUser;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

let signingKey: Promise<SigningKey> | null = null;

function key(): Promise<SigningKey> {
  signingKey ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: ALGORITHM, use: "sig" } };
  })();
  return signingKey;
}

export async function jwks(): Promise<{ keys: JWK[] }> {
  return { keys: [(await key()).publicJwk] };
}

async function sign(payload: JWTPayload, typ: string, issuer: string, ttlSeconds: number): Promise<string> {
  const { kid, privateKey } = await key();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ })
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

async function verify(token: string, typ: string, issuer: string): Promise<JWTPayload> {
  const { publicJwk } = await key();
  const { payload } = await jwtVerify(token, publicJwk, { algorithms: [ALGORITHM], issuer, typ });
  return payload;
}

const CODE_TYP = "dev-oidc-code+jwt";
const ACCESS_TYP = "at+jwt";

export function issueCode(grant: CodeGrant, issuer: string): Promise<string> {
  return sign({ grant }, CODE_TYP, issuer, CODE_TTL_SECONDS);
}

/** Codes redeemed in this isolate: a second redemption is refused, as the spec requires. */
const redeemedCodes = new Set<string>();

/** The grant behind a code, once; null for a code that is forged, expired or already redeemed. */
export async function redeemCode(code: string, issuer: string): Promise<CodeGrant | null> {
  let payload: JWTPayload;
  try {
    payload = await verify(code, CODE_TYP, issuer);
  } catch {
    return null;
  }
  if (!payload.jti || redeemedCodes.has(payload.jti)) return null;
  redeemedCodes.add(payload.jti);
  return payload.grant as CodeGrant;
}

export function issueAccessToken(user: DevUser, scope: string, issuer: string): Promise<string> {
  return sign({ sub: user.sub, scope, user }, ACCESS_TYP, issuer, ACCESS_TOKEN_TTL_SECONDS);
}

export async function userOfAccessToken(token: string, issuer: string): Promise<DevUser | null> {
  try {
    return (await verify(token, ACCESS_TYP, issuer)).user as DevUser;
  } catch {
    return null;
  }
}

export function issueIdToken(grant: CodeGrant, issuer: string): Promise<string> {
  const { sub, email, email_verified, name } = grant.user;
  const claims: JWTPayload = { sub, aud: grant.client_id, email, email_verified, name, auth_time: Math.floor(Date.now() / 1000) };
  if (grant.nonce !== null) claims.nonce = grant.nonce;
  return sign(claims, "JWT", issuer, ACCESS_TOKEN_TTL_SECONDS);
}

/** PKCE S256: BASE64URL(SHA-256(verifier)) must equal the challenge sent to /authorize. */
export async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return base64url.encode(digest) === challenge;
}

/** A stable subject per email, so signing in twice as one person is one identity. */
export async function subjectFor(email: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase())));
  return `dev-${Array.from(digest.slice(0, 12), (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
