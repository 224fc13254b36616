import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base64UrlEncode } from "../../workers/shared/crypto.js";
import { postJson, registerUser } from "../support/http.js";

/**
 * Passwords are compared in NFKC (NIST SP 800-63B; workers/auth/passwords.ts): the same text typed
 * composed on one keyboard and decomposed on another is one password. Hashes of the older form
 * (`v1`, the raw code units) still verify, and are replaced on that sign-in.
 */
const db = env.AUTH_DB;
const COMPOSED = "caf\u00e9 au lait, s'il vous pla\u00eet";
const DECOMPOSED = "cafe\u0301 au lait, s'il vous plai\u0302t";

const login = (email: string, password: string) => postJson(exports.default, "/auth/login", { email, password });
const storedHash = async (userId: string) =>
  (await db
    .prepare("SELECT password_hash AS h, credential_version AS v FROM users WHERE id = ?")
    .bind(userId)
    .first<{ h: string; v: number }>()) ?? { h: "", v: -1 };

/** The hash the code before v2 stored: PBKDF2 over the password's raw code units. */
async function v1Hash(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256);
  return ["pbkdf2-sha256", "v1", 100_000, base64UrlEncode(salt), base64UrlEncode(new Uint8Array(bits))].join("$");
}

describe("a password with accents", () => {
  it("signs in typed decomposed after a sign-up typed composed, and the reverse", async () => {
    expect(COMPOSED).not.toBe(DECOMPOSED);
    const composed = await registerUser(exports.default, { password: COMPOSED });
    expect((await login(composed.user.email, DECOMPOSED)).status).toBe(200);
    expect((await login(composed.user.email, COMPOSED)).status).toBe(200);
    const decomposed = await registerUser(exports.default, { password: DECOMPOSED });
    expect((await login(decomposed.user.email, COMPOSED)).status).toBe(200);
    expect((await storedHash(composed.user.id)).h).toMatch(/^pbkdf2-sha256\$v2\$100000\$/);
  });
});

describe("a stored v1 hash", () => {
  it("verifies once and is stored as v2 after that sign-in, without moving the credential version", async () => {
    const user = await registerUser(exports.default);
    const old = await v1Hash(COMPOSED);
    await db.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(old, user.user.id).run();

    expect((await login(user.user.email, "not the password")).status).toBe(401);
    expect((await storedHash(user.user.id)).h).toBe(old);

    expect((await login(user.user.email, COMPOSED)).status).toBe(200);
    const rehashed = await storedHash(user.user.id);
    expect(rehashed.h).toMatch(/^pbkdf2-sha256\$v2\$100000\$/);
    expect(rehashed.v).toBe(0);
    // The sign-up's session is untouched (no credential change), and both spellings now work.
    expect(
      await db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ? AND revoked_at IS NULL").bind(user.user.id).first("n"),
    ).toBe(2);
    expect((await login(user.user.email, DECOMPOSED)).status).toBe(200);
    expect((await login(user.user.email, COMPOSED)).status).toBe(200);
  });

  it("of a composed password also verifies the decomposed spelling (checked again in NFKC)", async () => {
    const user = await registerUser(exports.default);
    await db
      .prepare("UPDATE users SET password_hash = ? WHERE id = ?")
      .bind(await v1Hash(COMPOSED), user.user.id)
      .run();
    expect((await login(user.user.email, DECOMPOSED)).status).toBe(200);
    expect((await storedHash(user.user.id)).h).toMatch(/\$v2\$/);
  });
});
