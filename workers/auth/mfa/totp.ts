/**
 * @module
 * RFC 6238 codes through the `otpauth` library: SHA-1, 6 digits, 30 s — what every authenticator
 * app reads from an `otpauth://` URI. A code is checked against the step before, the current and
 * the one after (clock drift), compared in constant time, and only for a step later than the last
 * accepted one, so no code works twice.
 */
import { Secret, TOTP } from "otpauth";
import { timingSafeEqualText } from "../../shared/crypto.js";

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Steps either side of now that still count: ±30 s of drift between the phone and the Worker. */
const DRIFT_STEPS = 1;
const ISSUER = "Tether";

/** A fresh 160-bit secret (RFC 4226's recommended size), base32 as the apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpOf(secretBase32: string, label = ""): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** What an authenticator app scans: `otpauth://totp/Tether:<label>?secret=…&issuer=Tether…`. */
export function otpauthUri(secretBase32: string, label: string): string {
  return totpOf(secretBase32, label).toString();
}

/** A code's shape: exactly six digits. */
export const TOTP_CODE = /^\d{6}$/;

/**
 * The time step `code` belongs to, if it is right for one within the drift and later than
 * `lastUsedStep`; null otherwise. Every candidate step is compared, so the time taken does not
 * say which one matched.
 */
export function matchingStep(secretBase32: string, code: string, nowMs: number, lastUsedStep: number | null): number | null {
  if (!TOTP_CODE.test(code)) return null;
  const totp = totpOf(secretBase32);
  const now = totp.counter({ timestamp: nowMs });
  let matched: number | null = null;
  for (let step = now - DRIFT_STEPS; step <= now + DRIFT_STEPS; step += 1) {
    const expected = totp.generate({ timestamp: step * PERIOD_SECONDS * 1000 });
    if (timingSafeEqualText(expected, code) && (lastUsedStep === null || step > lastUsedStep) && matched === null) matched = step;
  }
  return matched;
}
