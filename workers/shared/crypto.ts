/** Small WebCrypto helpers shared by both Workers. Nothing here touches a binding. */
import { base64url } from "jose";

const encoder = new TextEncoder();

/** Unpadded base64url (jose's, which both Workers bundle already for their tokens). */
export function base64UrlEncode(bytes: Uint8Array): string {
  return base64url.encode(bytes);
}

/** base64url or standard base64, padded or not (a key pasted from `openssl rand -base64` decodes too); throws on anything else. */
export function base64UrlDecode(text: string): Uint8Array {
  return base64url.decode(text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
}

/** A URL-safe random token with `bytes` bytes of entropy (32 → 256 bits). */
export function randomToken(bytes = 32): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Base64Url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return base64UrlEncode(new Uint8Array(digest));
}

/**
 * Compares two secrets (or their hashes) in time that does not depend on where they differ.
 * Uses the Workers' `crypto.subtle.timingSafeEqual`; unequal lengths are compared against
 * themselves first so the length check does not return early either.
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) {
    crypto.subtle.timingSafeEqual(left, left);
    return false;
  }
  return crypto.subtle.timingSafeEqual(left, right);
}
