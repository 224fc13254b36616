import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTPayload,
} from "jose";
import { signingKey } from "../support/forge.js";

/**
 * The JWT attack corpus: each entry a token built from a real one, wrong in exactly one way.
 * Where the attack only works if we check something, the token is signed with our own key — so a
 * refusal can only come from that check, not from a bad signature.
 */
export interface AttackToken {
  name: string;
  token: string;
  /** The refusal says the token expired (4001 on /ws) rather than that it is invalid. */
  expired?: boolean;
  /** Over every size limit: any 4xx will do. */
  oversize?: boolean;
}

const encoder = new TextEncoder();
const base64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const segment = (value: unknown) => base64Url(encoder.encode(JSON.stringify(value)));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The last base64url character of a 64-byte signature carries 2 unused bits: setting one keeps the bytes. */
function nonCanonicalLastCharacter(token: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = token.at(-1) ?? "A";
  return `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1] ?? "B"}`;
}

export async function attackCorpus(db: D1Database, template: string, purpose: "access" | "service"): Promise<AttackToken[]> {
  const { kid, key, jwk } = await signingKey(db, purpose);
  const claims = decodeJwt(template);
  const header = decodeProtectedHeader(template);
  const [, payload, signature] = template.split(".");
  // Signed by hand: jose itself refuses to sign some of these headers (an unknown `crit`).
  const ours = async (overrides: JWTPayload & Record<string, unknown>, headerOverrides: Record<string, unknown> = {}) => {
    const input = `${segment({ alg: "ES256", kid, typ: "JWT", ...headerOverrides })}.${segment({ ...claims, jti: crypto.randomUUID(), ...overrides })}`;
    const signed = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key as CryptoKey, encoder.encode(input));
    return `${input}.${base64Url(new Uint8Array(signed))}`;
  };
  const without = (claim: string) => {
    const { [claim]: _dropped, ...rest } = claims;
    return new SignJWT(rest).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).sign(key);
  };
  const attacker = await generateKeyPair("ES256", { extractable: true });
  const attackerJwk = await exportJWK(attacker.publicKey);
  const signedByAttacker = (headerOverrides: Record<string, unknown>) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", ...headerOverrides } as { alg: string })
      .sign(attacker.privateKey);
  const { d: _private, ...publicJwk } = jwk as JWK & { d?: string };
  const publicPem = await exportSPKI((await importJWK({ ...publicJwk, alg: "ES256" }, "ES256", { extractable: true })) as CryptoKey);
  const hmac = (secret: string) =>
    new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256", kid, typ: "JWT" }).sign(encoder.encode(secret));
  const unsigned = (alg: string) => `${segment({ alg, typ: "JWT" })}.${payload}.`;
  const wrongType = purpose === "access" ? "service" : "access";

  return [
    { name: "alg none", token: unsigned("none") },
    { name: "alg None", token: unsigned("None") },
    { name: "alg NONE", token: unsigned("NONE") },
    { name: "alg none keeping the signature", token: `${segment({ ...header, alg: "none" })}.${payload}.${signature}` },
    { name: "HS256 keyed with the public JWK", token: await hmac(JSON.stringify(publicJwk)) },
    { name: "HS256 keyed with the public PEM", token: await hmac(publicPem) },
    { name: "kid path traversal (our key)", token: await ours({}, { kid: "../../../../etc/passwd" }) },
    { name: "kid SQL injection (our key)", token: await ours({}, { kid: `${kid}' OR '1'='1` }) },
    { name: "kid of an attacker's key", token: await signedByAttacker({ kid: "../keys/attacker" }) },
    { name: "embedded jwk header", token: await signedByAttacker({ jwk: attackerJwk }) },
    { name: "jku header", token: await signedByAttacker({ kid, jku: "https://evil.example/jwks.json" }) },
    { name: "x5u header", token: await signedByAttacker({ kid, x5u: "https://evil.example/cert.pem" }) },
    { name: "unknown crit (our key)", token: await ours({}, { crit: ["urn:evil"], "urn:evil": true }) },
    { name: "typ at+jwt (our key)", token: await ours({}, { typ: "at+jwt" }) },
    { name: "expired (our key)", token: await ours({ iat: nowSeconds() - 3600, exp: nowSeconds() - 600 }), expired: true },
    { name: "not yet valid (our key)", token: await ours({ nbf: nowSeconds() + 3600 }) },
    { name: "issued a year from now (our key)", token: await ours({ iat: nowSeconds() + 365 * 86_400 }) },
    ...(await Promise.all(
      ["sub", "exp", "iat", "jti", "iss", "aud", "token_type", ...(purpose === "access" ? ["sid"] : ["service"])].map(async (claim) => ({
        name: `missing ${claim} (our key)`,
        token: await without(claim),
      })),
    )),
    { name: "wrong iss (our key)", token: await ours({ iss: "https://evil.example" }) },
    { name: "wrong aud (our key)", token: await ours({ aud: "evil" }) },
    { name: `token_type ${wrongType} (our key)`, token: await ours({ token_type: wrongType }) },
    { name: "token_type refresh (our key)", token: await ours({ token_type: "refresh" }) },
    { name: "tampered payload", token: `${template.split(".")[0]}.${segment({ ...claims, sub: crypto.randomUUID() })}.${signature}` },
    { name: "an extra segment", token: `${template}.extra` },
    { name: "five segments (JWE shape)", token: `${template}.AAAA.BBBB` },
    { name: "non-canonical base64url signature", token: nonCanonicalLastCharacter(template) },
    { name: "padded base64url", token: `${template.split(".")[0]}=.${payload}.${signature}` },
    {
      name: "base64 instead of base64url",
      token: `${template.split(".")[0]}.${payload}.${(signature ?? "").replace(/-/g, "+").replace(/_/g, "/")}+/`,
    },
    { name: "a 20 KB token", token: `${template}${"A".repeat(20_000)}`, oversize: true },
  ];
}
