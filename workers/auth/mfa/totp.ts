/**
 * @module
 * RFC 6238 codes with WebCrypto's HMAC: SHA-1, 6 digits, 30 s — what every authenticator app reads
 * from an `otpauth://` URI. A code is checked against the step before, the current and the one
 * after (clock drift), compared in constant time, and only for a step later than the last accepted
 * one, so no code works twice. Written here rather than taken from a library: it is one HMAC and
 * a base32 codec, and a library brought 54 KiB into the auth Worker's bundle for it.
 */
import { timingSafeEqualText } from "../../shared/crypto.js";

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Steps either side of now that still count: ±30 s of drift between the phone and the Worker. */
const DRIFT_STEPS = 1;
const ISSUER = "Tether";
/** 160 bits: RFC 4226's recommended secret size (HMAC-SHA-1's output length). */
const SECRET_BYTES = 20;
/** RFC 4648 base32, the alphabet authenticator apps take secrets in. */
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Unpadded RFC 4648 base32 (20 bytes → 32 characters, no padding needed). */
function base32Encode(bytes: Uint8Array): string {
  let text = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) text += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return text;
}

/** base32 to bytes, any case, padding ignored; throws on a character outside the alphabet (a corrupt stored secret). */
function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.toUpperCase().replace(/=+$/, "");
  const bytes = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Error("A TOTP secret is not base32.");
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return bytes;
}

/** A fresh 160-bit secret, base32 as the apps take it. */
export function newTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/**
 * What an authenticator app scans: `otpauth://totp/Tether:<label>?issuer=Tether&secret=…` with the
 * algorithm, digits and period spelled out (Google's key-URI format), so no app has to guess them.
 */
export function otpauthUri(secretBase32: string, label: string): string {
  const e = encodeURIComponent;
  return (
    `otpauth://totp/${e(ISSUER)}:${e(label)}?issuer=${e(ISSUER)}&secret=${e(secretBase32)}` +
    `&algorithm=SHA1&digits=${DIGITS}&period=${PERIOD_SECONDS}`
  );
}

/** A code's shape: exactly six digits. */
export const TOTP_CODE = /^\d{6}$/;

/** RFC 4226's HOTP of one counter value (the TOTP time step), with RFC 4226 §5.3's dynamic truncation. */
async function hotp(key: CryptoKey, counter: number): Promise<string> {
  const message = new DataView(new ArrayBuffer(8));
  // A time step fits in 53 bits; the high word is what lies above 2^32.
  message.setUint32(0, Math.floor(counter / 2 ** 32));
  message.setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message.buffer));
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, "0");
}

function hmacKeyOf(secretBase32: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", base32Decode(secretBase32), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
}

/**
 * The time step `code` belongs to, if it is right for one within the drift and later than
 * `lastUsedStep`; null otherwise. Every candidate step is compared, so the time taken does not
 * say which one matched.
 */
export async function matchingStep(secretBase32: string, code: string, nowMs: number, lastUsedStep: number | null): Promise<number | null> {
  if (!TOTP_CODE.test(code)) return null;
  const key = await hmacKeyOf(secretBase32);
  const now = Math.floor(nowMs / 1000 / PERIOD_SECONDS);
  let matched: number | null = null;
  for (let step = now - DRIFT_STEPS; step <= now + DRIFT_STEPS; step += 1) {
    const expected = await hotp(key, step);
    if (timingSafeEqualText(expected, code) && (lastUsedStep === null || step > lastUsedStep) && matched === null) matched = step;
  }
  return matched;
}
