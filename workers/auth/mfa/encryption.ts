/**
 * @module
 * TOTP secrets at rest: AES-256-GCM (WebCrypto) under the `MFA_ENCRYPTION_KEY` secret — 32 random
 * bytes, base64 or base64url (`openssl rand -base64 32`). A copy of the auth database alone gives
 * no one the codes. The user id is the associated data, so a ciphertext moved to another user's
 * row does not decrypt. Development on a loopback host generates a key into local D1 on first
 * use, as it does its signing keys; anywhere else a missing key is a 503 and a config problem.
 */
import { and, eq } from "drizzle-orm";
import { base64UrlDecode, base64UrlEncode } from "../../shared/crypto.js";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { signingKeys } from "../db/schema.js";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = "v1";
const encoder = new TextEncoder();

/** Why a MFA_ENCRYPTION_KEY value cannot be used, or null if it can. */
export function encryptionKeyProblem(secret: string): string | null {
  try {
    return base64UrlDecode(secret.trim().replace(/=+$/, "")).byteLength === KEY_BYTES ? null : `must be ${KEY_BYTES} bytes, base64`;
  } catch {
    return "is not base64";
  }
}

const importedKeys = new Map<string, Promise<CryptoKey>>();

function importKey(raw: string): Promise<CryptoKey> {
  let key = importedKeys.get(raw);
  if (!key) {
    const bytes = base64UrlDecode(raw.trim().replace(/=+$/, ""));
    key = crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
    importedKeys.set(raw, key);
  }
  return key;
}

/** The key from the secret; in development (loopback) without one, the generated key in local D1. */
async function encryptionKey(ctx: AuthContext): Promise<CryptoKey> {
  const secret = ctx.mfaEncryptionKey;
  if (secret) {
    if (encryptionKeyProblem(secret)) throw new ApiError("signing_keys_unavailable", "MFA_ENCRYPTION_KEY is not a usable key.");
    return importKey(secret);
  }
  if (!ctx.devFeatures) throw new ApiError("signing_keys_unavailable", "No MFA_ENCRYPTION_KEY is configured.");
  return importKey(await developmentKey(ctx));
}

const current = and(eq(signingKeys.purpose, "mfa_encryption"), eq(signingKeys.status, "current"));

async function developmentKey(ctx: AuthContext): Promise<string> {
  const stored = await ctx.db.select().from(signingKeys).where(current).get();
  if (stored) return stored.privateJwk;
  const generated = base64UrlEncode(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
  // Two isolates may race to make the first: the one-current-per-purpose index lets one win.
  await ctx.db
    .insert(signingKeys)
    .values({
      kid: `mfa_encryption-${crypto.randomUUID()}`,
      purpose: "mfa_encryption",
      status: "current",
      algorithm: "A256GCM",
      privateJwk: generated,
      publicJwk: "{}",
      createdAt: Date.now(),
    })
    .onConflictDoNothing();
  const winner = await ctx.db.select().from(signingKeys).where(current).get();
  if (!winner) throw new ApiError("signing_keys_unavailable", "No MFA encryption key could be made.");
  return winner.privateJwk;
}

export async function encryptSecret(ctx: AuthContext, userId: string, plaintext: string): Promise<string> {
  const key = await encryptionKey(ctx);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(userId) },
    key,
    encoder.encode(plaintext),
  );
  return `${FORMAT}.${base64UrlEncode(iv)}.${base64UrlEncode(new Uint8Array(sealed))}`;
}

export async function decryptSecret(ctx: AuthContext, userId: string, stored: string): Promise<string> {
  const key = await encryptionKey(ctx);
  const [format, iv, sealed] = stored.split(".");
  if (format !== FORMAT || !iv || !sealed) throw new ApiError("internal_error", "A stored second factor is unreadable.");
  try {
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: base64UrlDecode(iv), additionalData: encoder.encode(userId) },
      key,
      base64UrlDecode(sealed),
    );
    return new TextDecoder().decode(opened);
  } catch {
    // Another key (a rotation without re-encryption) or a row moved between users.
    throw new ApiError("internal_error", "A stored second factor could not be decrypted.");
  }
}
