import { base64UrlDecode, base64UrlEncode, timingSafeEqualText } from "../shared/crypto.js";

/** The floor of any policy (an app's `passwordPolicy.minLength` may only raise it) and the cap of every body. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto at 100,000 iterations (the ceiling Workers
 * allow), 16-byte salt, 32-byte key. Stored as `pbkdf2-sha256$<version>$<iterations>$<salt>$<hash>`
 * so the parameters can change later and old hashes still verify:
 * - `v2` hashes the password in NFKC (NIST SP 800-63B, 5.1.1.2): `é` typed composed on one keyboard
 *   and decomposed on another is one password.
 * - `v1` hashed the raw code units. Such a hash still verifies (as typed, then in NFKC, so the
 *   other spelling of the same text works too) and asks to be rehashed as v2 once it has.
 */
const SCHEME = "pbkdf2-sha256";
const VERSION = "v2";
const RAW_CODE_UNITS_VERSION = "v1";
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const KEY_BITS = 256;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<string> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, KEY_BITS);
  return base64UrlEncode(new Uint8Array(bits));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password.normalize("NFKC"), salt, PBKDF2_ITERATIONS);
  return [SCHEME, VERSION, PBKDF2_ITERATIONS, base64UrlEncode(salt), hash].join("$");
}

/** A password check: whether it matched, and whether the stored hash is of an older form to replace. */
export type PasswordCheck = { matches: false } | { matches: true; rehash: boolean };

export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const [scheme, version, iterationsText, saltText, hash] = stored.split("$");
  const iterations = Number(iterationsText);
  if (scheme !== SCHEME || !saltText || !hash || !Number.isInteger(iterations)) return { matches: false };
  const salt = base64UrlDecode(saltText);
  const matches = async (candidate: string) => timingSafeEqualText(await derive(candidate, salt, iterations), hash);
  const normalized = password.normalize("NFKC");
  if (version === VERSION)
    return (await matches(normalized)) ? { matches: true, rehash: iterations !== PBKDF2_ITERATIONS } : { matches: false };
  if (version !== RAW_CODE_UNITS_VERSION) return { matches: false };
  // The second derivation happens only for text NFKC changes, so a plain ASCII password costs one.
  const found = (await matches(password)) || (normalized !== password && (await matches(normalized)));
  return found ? { matches: true, rehash: true } : { matches: false };
}

/**
 * Spent when the email is unknown, so "no such user" takes as long as "wrong password" and the
 * response time does not reveal which accounts exist.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  await derive(password, new Uint8Array(SALT_BYTES), PBKDF2_ITERATIONS);
  return false;
}

const COMMON_PASSWORDS = new Set([
  "password",
  "password1",
  "password123",
  "12345678",
  "123456789",
  "1234567890",
  "qwertyuiop",
  "qwerty123",
  "iloveyou",
  "11111111",
  "00000000",
  "abcdefgh",
  "letmein123",
  "welcome123",
  "admin123",
]);

/** Why a new password is refused, or null if it is acceptable. */
export function passwordWeakness(password: string, email: string, minLength: number): string | null {
  if (password.length < minLength) return `The password must be at least ${minLength} characters.`;
  if (new Set(password).size < 4) return "The password repeats too few characters.";
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return "The password is too common.";
  if (password.toLowerCase() === email.toLowerCase()) return "The password must not be the email address.";
  return null;
}
