import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { matchingStep, newTotpSecret, otpauthUri } from "../../workers/auth/mfa/totp.js";

/** RFC 6238 Appendix B's SHA-1 secret, the ASCII "12345678901234567890", in base32. */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/** Appendix B's SHA-1 rows (time in seconds, 8-digit code), cut to the six digits the apps show. */
const RFC_VECTORS: Array<[number, string]> = [
  [59, "287082"],
  [1111111109, "081804"],
  [1111111111, "050471"],
  [1234567890, "005924"],
  [2000000000, "279037"],
  [20000000000, "353130"],
];
const stepOf = (seconds: number) => Math.floor(seconds / 30);

describe("TOTP codes", () => {
  it("accepts RFC 6238's SHA-1 test vectors at their time steps", async () => {
    for (const [seconds, code] of RFC_VECTORS) {
      expect(await matchingStep(RFC_SECRET, code, seconds * 1000, null)).toBe(stepOf(seconds));
    }
  });

  it("agrees with an independent implementation (otpauth) on fresh secrets, one step of drift either side", async () => {
    for (let round = 0; round < 20; round += 1) {
      const secret = newTotpSecret();
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const app = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
      const nowMs = 1_700_000_000_000 + round * 7_919_000;
      for (const drift of [-1, 0, 1]) {
        const code = app.generate({ timestamp: nowMs + drift * 30_000 });
        expect(await matchingStep(secret, code, nowMs, null)).toBe(stepOf(nowMs / 1000) + drift);
      }
    }
  });

  it("refuses a code two steps away, a step already used, and anything but six digits", async () => {
    const nowMs = 1111111111 * 1000;
    const app = new TOTP({ secret: Secret.fromBase32(RFC_SECRET), algorithm: "SHA1", digits: 6, period: 30 });
    expect(await matchingStep(RFC_SECRET, app.generate({ timestamp: nowMs - 60_000 }), nowMs, null)).toBeNull();
    expect(await matchingStep(RFC_SECRET, "050471", nowMs, stepOf(1111111111))).toBeNull();
    expect(await matchingStep(RFC_SECRET, "50471", nowMs, null)).toBeNull();
    expect(await matchingStep(RFC_SECRET, "0504710", nowMs, null)).toBeNull();
  });

  it("writes the same otpauth URI as otpauth's key-URI format", () => {
    const secret = newTotpSecret();
    const label = "ada+mfa@example.com";
    const theirs = new TOTP({ issuer: "Tether", label, secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
    expect(otpauthUri(secret, label)).toBe(theirs.toString());
  });
});
