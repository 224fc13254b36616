import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { errorOf, getWithBearer, postJson, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";
import { currentCode, forgetUsedSteps, mfaTokenFor, turnOnTotp, verifyMfa, withBearer, wrongCode } from "./support/second-factor.js";

/** The TOTP second factor: enroll, confirm, the code at sign-in, recovery codes, the throttle, turning it off. */
const db = env.AUTH_DB;

async function signedInAgo(body: TokenResponse, seconds: number) {
  const sid = String(decodeJwt(body.access_token).sid);
  await db
    .prepare("UPDATE sessions SET auth_time = ? WHERE id = ?")
    .bind(Date.now() - seconds * 1000, sid)
    .run();
}

async function mfaStateOf(user: TokenResponse) {
  return (await (await getWithBearer(exports.default, "/auth/mfa", user.access_token)).json()) as {
    totp_enabled: boolean;
    recovery_codes_left: number;
  };
}

describe("enrolling", () => {
  it("answers a secret and its otpauth URI, keeping the secret only encrypted", async () => {
    const user = await registerUser(exports.default);
    const response = await withBearer("POST", "/auth/mfa/totp/enroll", user.access_token);
    expect(response.status).toBe(200);
    const { secret, otpauth_uri } = (await response.json()) as { secret: string; otpauth_uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauth_uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Tether");
    const row = await db.prepare("SELECT secret_ciphertext, confirmed_at FROM user_totp WHERE user_id = ?").bind(user.user.id).first();
    expect(row).toMatchObject({ confirmed_at: null });
    expect(String(row?.secret_ciphertext)).toMatch(/^v1\./);
    expect(String(row?.secret_ciphertext)).not.toContain(secret);
    expect((await mfaStateOf(user)).totp_enabled).toBe(false);
  });

  it("needs a signed-in caller, and a recent sign-in (403 reauth_required, nothing stored)", async () => {
    expect((await postJson(exports.default, "/auth/mfa/totp/enroll", {})).status).toBe(401);
    const user = await registerUser(exports.default);
    await signedInAgo(user, 601);
    const refused = await withBearer("POST", "/auth/mfa/totp/enroll", user.access_token);
    expect((await errorOf(refused)).code).toBe("reauth_required");
    expect(await countRows(db, "user_totp", "user_id = ?", user.user.id)).toBe(0);
  });

  it("turns on with a right code, answering ten distinct recovery codes once, stored only as hashes", async () => {
    const user = await registerUser(exports.default);
    const { recoveryCodes } = await turnOnTotp(user);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const stored = await db
      .prepare("SELECT code_hash FROM recovery_codes WHERE user_id = ?")
      .bind(user.user.id)
      .all<{ code_hash: string }>();
    expect(stored.results).toHaveLength(10);
    for (const code of recoveryCodes) expect(JSON.stringify(stored.results)).not.toContain(code.replace(/-/g, ""));
    expect(await mfaStateOf(user)).toEqual({ totp_enabled: true, recovery_codes_left: 10 });
  });

  it("refuses a wrong, malformed or oversized confirmation code, leaving the factor off", async () => {
    const user = await registerUser(exports.default);
    const enrolled = await withBearer("POST", "/auth/mfa/totp/enroll", user.access_token);
    const { secret } = (await enrolled.json()) as { secret: string };
    for (const code of [wrongCode(secret), "12ab56", "1234567", ""]) {
      const response = await withBearer("POST", "/auth/mfa/totp/confirm", user.access_token, { code });
      expect([401, 400]).toContain(response.status);
      expect(["invalid_mfa_code", "validation_failed"]).toContain((await errorOf(response)).code);
    }
    const oversized = await withBearer("POST", "/auth/mfa/totp/confirm", user.access_token, { code: "1".repeat(33) });
    expect((await errorOf(oversized)).code).toBe("validation_failed");
    const extra = await withBearer("POST", "/auth/mfa/totp/confirm", user.access_token, { code: currentCode(secret), more: 1 });
    expect((await errorOf(extra)).code).toBe("validation_failed");
    expect((await mfaStateOf(user)).totp_enabled).toBe(false);
    expect(await countRows(db, "recovery_codes", "user_id = ?", user.user.id)).toBe(0);
  });

  it("answers 409 to a confirmation with nothing enrolled, and to enrolling while one is on", async () => {
    const user = await registerUser(exports.default);
    const early = await withBearer("POST", "/auth/mfa/totp/confirm", user.access_token, { code: "123456" });
    expect((await errorOf(early)).code).toBe("mfa_not_enabled");
    await turnOnTotp(user);
    const again = await withBearer("POST", "/auth/mfa/totp/enroll", user.access_token);
    expect((await errorOf(again)).code).toBe("mfa_already_enabled");
  });
});

describe("a password sign-in with the factor on", () => {
  it("answers 401 mfa_required with an mfa_token and no tokens, and writes no session", async () => {
    const user = await registerUser(exports.default);
    await turnOnTotp(user);
    const response = await postJson(exports.default, "/auth/login", { email: user.user.email, password: STRONG_PASSWORD });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: { code: "mfa_required" }, expires_in: 300 });
    expect(String(body.mfa_token)).toMatch(/^[\w-]{43}$/);
    expect(body).not.toHaveProperty("access_token");
    expect(body).not.toHaveProperty("refresh_token");
    expect(response.headers.get("Set-Cookie")).toBeNull();
    expect(await countRows(db, "sessions", "user_id = ?", user.user.id)).toBe(1);
    expect(await countRows(db, "mfa_tokens", "token_hash = ?", String(body.mfa_token))).toBe(0);
  });

  it("is finished by the current code: the token body, amr pwd + otp", async () => {
    const user = await registerUser(exports.default);
    const { secret } = await turnOnTotp(user);
    const verified = await verifyMfa(await mfaTokenFor(user.user.email, STRONG_PASSWORD), currentCode(secret));
    expect(verified.status).toBe(200);
    const tokens = (await verified.json()) as TokenResponse;
    expect(decodeJwt(tokens.access_token).amr).toEqual(["pwd", "otp"]);
    expect(tokens.device_token).toEqual(expect.any(String));
    expect((await getWithBearer(exports.default, "/auth/me", tokens.access_token)).status).toBe(200);
  });

  it("refuses a wrong code without spending the token, and a used or expired token", async () => {
    const user = await registerUser(exports.default);
    const { secret } = await turnOnTotp(user);
    const mfaToken = await mfaTokenFor(user.user.email, STRONG_PASSWORD);
    const wrong = await verifyMfa(mfaToken, wrongCode(secret));
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe("invalid_mfa_code");
    expect((await verifyMfa(mfaToken, currentCode(secret))).status).toBe(200);
    await forgetUsedSteps(user.user.id);
    const reused = await verifyMfa(mfaToken, currentCode(secret));
    expect((await errorOf(reused)).code).toBe("invalid_mfa_token");

    const expiring = await mfaTokenFor(user.user.email, STRONG_PASSWORD);
    await db
      .prepare("UPDATE mfa_tokens SET expires_at = ? WHERE user_id = ? AND used_at IS NULL")
      .bind(Date.now() - 1, user.user.id)
      .run();
    expect((await errorOf(await verifyMfa(expiring, currentCode(secret)))).code).toBe("invalid_mfa_token");
    expect((await errorOf(await verifyMfa("not-a-token", currentCode(secret)))).code).toBe("invalid_mfa_token");
  });

  it("refuses a code already taken (no replay inside its window) and a malformed one", async () => {
    const user = await registerUser(exports.default);
    const { secret } = await turnOnTotp(user);
    const code = currentCode(secret);
    expect((await verifyMfa(await mfaTokenFor(user.user.email, STRONG_PASSWORD), code)).status).toBe(200);
    const replayed = await verifyMfa(await mfaTokenFor(user.user.email, STRONG_PASSWORD), code);
    expect(replayed.status).toBe(401);
    expect((await errorOf(replayed)).code).toBe("invalid_mfa_code");
    for (const malformed of ["12345", "abcdef", "12 34 56", "zzzz-zzzz-zzzz-zzz1"]) {
      expect((await errorOf(await verifyMfa(await mfaTokenFor(user.user.email, STRONG_PASSWORD), malformed))).code).toBe(
        "invalid_mfa_code",
      );
    }
  });

  it("answers 429 with Retry-After at the sixth wrong code in a row — the right one too — and gives no tokens", async () => {
    const user = await registerUser(exports.default);
    const { secret } = await turnOnTotp(user);
    const mfaToken = await mfaTokenFor(user.user.email, STRONG_PASSWORD);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await verifyMfa(mfaToken, wrongCode(secret))).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const sixth = await verifyMfa(mfaToken, wrongCode(secret));
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await errorOf(sixth)).code).toBe("rate_limited");
    const right = await verifyMfa(mfaToken, currentCode(secret));
    expect(right.status).toBe(429);
    expect(await countRows(db, "sessions", "user_id = ?", user.user.id)).toBe(1);
  });

  it("takes a recovery code once: a second use is 401", async () => {
    const user = await registerUser(exports.default);
    const { recoveryCodes } = await turnOnTotp(user);
    const code = recoveryCodes[3] ?? "";
    const first = await verifyMfa(await mfaTokenFor(user.user.email, STRONG_PASSWORD), code.toUpperCase());
    expect(first.status).toBe(200);
    expect(decodeJwt(((await first.json()) as TokenResponse).access_token).amr).toEqual(["pwd", "otp"]);
    const second = await verifyMfa(await mfaTokenFor(user.user.email, STRONG_PASSWORD), code);
    expect(second.status).toBe(401);
    expect((await errorOf(second)).code).toBe("invalid_mfa_code");
    expect((await mfaStateOf(user)).recovery_codes_left).toBe(9);
  });

  it("writes no session when the password changed between the password and the code", async () => {
    const user = await registerUser(exports.default);
    const { secret } = await turnOnTotp(user);
    const mfaToken = await mfaTokenFor(user.user.email, STRONG_PASSWORD);
    await db.prepare("UPDATE users SET credential_version = credential_version + 1 WHERE id = ?").bind(user.user.id).run();
    const response = await verifyMfa(mfaToken, currentCode(secret));
    expect((await errorOf(response)).code).toBe("invalid_credentials");
    expect(await countRows(db, "sessions", "user_id = ?", user.user.id)).toBe(1);
  });
});

describe("turning the factor off", () => {
  it("needs a recent sign-in and a current code; then a password alone signs in again", async () => {
    const user = await registerUser(exports.default);
    const { secret } = await turnOnTotp(user);
    const wrong = await withBearer("DELETE", "/auth/mfa/totp", user.access_token, { code: wrongCode(secret) });
    expect((await errorOf(wrong)).code).toBe("invalid_mfa_code");
    await signedInAgo(user, 601);
    const stale = await withBearer("DELETE", "/auth/mfa/totp", user.access_token, { code: currentCode(secret) });
    expect((await errorOf(stale)).code).toBe("reauth_required");
    expect((await mfaStateOf(user)).totp_enabled).toBe(true);
    await signedInAgo(user, 0);
    expect((await withBearer("DELETE", "/auth/mfa/totp", user.access_token, { code: currentCode(secret) })).status).toBe(204);
    expect(await countRows(db, "recovery_codes", "user_id = ?", user.user.id)).toBe(0);
    const login = await postJson(exports.default, "/auth/login", { email: user.user.email, password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
    const again = await withBearer("DELETE", "/auth/mfa/totp", user.access_token, { code: currentCode(secret) });
    expect((await errorOf(again)).code).toBe("mfa_not_enabled");
  });
});
