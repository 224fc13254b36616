/**
 * @module
 * Signing keys. Two purposes with separate keys, so a user token can never pass as a service
 * token. Staging and production configure keys as secrets (a private JWK with a `kid`, plus an
 * optional previous one during rotation); `wrangler dev` generates a pair on first use and keeps
 * it in local D1, so development needs no set-up.
 */
import { and, eq, inArray } from "drizzle-orm";
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";
import { ApiError } from "../../shared/errors.js";
import { TOKEN_ALGORITHM } from "../../shared/tokens.js";
import type { AuthDatabase } from "../db/client.js";
import { signingKeys, type SigningKeyPurpose } from "../db/schema.js";

export interface KeyRing {
  kid: string;
  privateKey: CryptoKey;
  /** Public keys of the current and the previous key: what verifiers accept and JWKS lists. */
  jwks: JSONWebKeySet;
  verificationKeys: JWTVerifyGetKey;
}

export interface KeySecrets {
  current?: string | undefined;
  previous?: string | undefined;
}

/** Key rings are re-read after this long, so a rotation reaches every isolate within a minute. */
const KEY_RING_CACHE_MS = 60_000;
const cachedRings = new Map<SigningKeyPurpose, { ring: KeyRing; selfGenerated: boolean; loadedAtMs: number }>();

/**
 * The key ring of `purpose`: from its secrets when they are set; otherwise, only where
 * `selfGenerated` allows it (development on a loopback host), from local D1, generated on first use.
 * Anywhere else a missing secret is `signing_keys_unavailable` (503).
 */
export async function loadKeyRing(
  db: AuthDatabase,
  purpose: SigningKeyPurpose,
  secrets: KeySecrets,
  options: { selfGenerated: boolean },
): Promise<KeyRing> {
  if (!secrets.current && !options.selfGenerated) {
    throw new ApiError("signing_keys_unavailable", `No ${purpose} signing key is configured.`);
  }
  const cached = cachedRings.get(purpose);
  if (cached && Date.now() - cached.loadedAtMs < KEY_RING_CACHE_MS && cached.selfGenerated === !secrets.current) return cached.ring;
  const ring = secrets.current ? await keyRingFromSecrets(secrets, purpose) : await keyRingFromDatabase(db, purpose);
  cachedRings.set(purpose, { ring, selfGenerated: !secrets.current, loadedAtMs: Date.now() });
  return ring;
}

/** Why a key secret cannot be used (unparseable, not an EC JWK with a kid), or null if it can. */
export function keySecretProblem(secret: string, purpose: string): string | null {
  try {
    parseJwkSecret(secret, purpose);
    return null;
  } catch (error) {
    return error instanceof ApiError ? error.message : "unreadable";
  }
}

function publicPart(jwk: JWK, kid: string): JWK {
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, y, kid, alg: TOKEN_ALGORITHM, use: "sig" };
}

function parseJwkSecret(text: string, name: string): JWK & { kid: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError("signing_keys_unavailable", `The ${name} signing key secret is not JSON.`);
  }
  const jwk = parsed as JWK;
  if (typeof jwk !== "object" || jwk === null || typeof jwk.kid !== "string" || jwk.kty !== "EC") {
    throw new ApiError("signing_keys_unavailable", `The ${name} signing key secret is not an EC JWK with a kid.`);
  }
  return jwk as JWK & { kid: string };
}

async function buildRing(current: JWK & { kid: string }, previous: JWK | null): Promise<KeyRing> {
  const privateKey = await importJWK({ ...current, alg: TOKEN_ALGORITHM }, TOKEN_ALGORITHM);
  if (!(privateKey instanceof CryptoKey) || privateKey.type !== "private") {
    throw new ApiError("signing_keys_unavailable", "The current signing key has no private part.");
  }
  const keys = [publicPart(current, current.kid)];
  if (previous?.kid && previous.kid !== current.kid) keys.push(publicPart(previous, previous.kid));
  const jwks = { keys };
  return { kid: current.kid, privateKey, jwks, verificationKeys: createLocalJWKSet(jwks) };
}

async function keyRingFromSecrets(secrets: KeySecrets, purpose: SigningKeyPurpose): Promise<KeyRing> {
  const current = parseJwkSecret(secrets.current ?? "", purpose);
  const previous = secrets.previous ? parseJwkSecret(secrets.previous, `previous ${purpose}`) : null;
  return buildRing(current, previous);
}

async function keyRingFromDatabase(db: AuthDatabase, purpose: SigningKeyPurpose): Promise<KeyRing> {
  let rows = await readKeyRows(db, purpose);
  if (!rows.some((row) => row.status === "current")) {
    await insertGeneratedKey(db, purpose);
    rows = await readKeyRows(db, purpose);
  }
  const current = rows.find((row) => row.status === "current");
  if (!current) throw new ApiError("signing_keys_unavailable", `No ${purpose} signing key is configured.`);
  const previous = rows.find((row) => row.status === "previous");
  return buildRing(
    { ...(JSON.parse(current.privateJwk) as JWK), kid: current.kid },
    previous ? (JSON.parse(previous.publicJwk) as JWK) : null,
  );
}

function readKeyRows(db: AuthDatabase, purpose: SigningKeyPurpose) {
  return db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.purpose, purpose), inArray(signingKeys.status, ["current", "previous"])))
    .all();
}

async function newKeyRow(purpose: SigningKeyPurpose) {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const kid = `${purpose}-${crypto.randomUUID()}`;
  return {
    kid,
    purpose,
    status: "current" as const,
    algorithm: TOKEN_ALGORITHM,
    privateJwk: JSON.stringify(await exportJWK(privateKey)),
    publicJwk: JSON.stringify(publicPart(await exportJWK(publicKey), kid)),
    createdAt: Date.now(),
  };
}

/** Two isolates may race to create the first key: the partial unique index lets one win. */
async function insertGeneratedKey(db: AuthDatabase, purpose: SigningKeyPurpose): Promise<void> {
  await db
    .insert(signingKeys)
    .values(await newKeyRow(purpose))
    .onConflictDoNothing();
}

/**
 * Rotates the database-held key of `purpose` in one atomic batch: previous → retired,
 * current → previous, a new current. Tokens signed with the old key keep verifying until the
 * next rotation.
 */
export async function rotateSigningKey(db: AuthDatabase, purpose: SigningKeyPurpose): Promise<string> {
  const fresh = await newKeyRow(purpose);
  await db.batch([
    db
      .update(signingKeys)
      .set({ status: "retired" })
      .where(and(eq(signingKeys.purpose, purpose), eq(signingKeys.status, "previous"))),
    db
      .update(signingKeys)
      .set({ status: "previous" })
      .where(and(eq(signingKeys.purpose, purpose), eq(signingKeys.status, "current"))),
    db.insert(signingKeys).values(fresh),
  ]);
  cachedRings.delete(purpose);
  return fresh.kid;
}
