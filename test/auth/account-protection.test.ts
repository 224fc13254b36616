import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../workers/auth/users.js";
import { countRows } from "../support/auth-db.js";
import {
  errorOf,
  freshClientIp,
  getWithBearer,
  ORIGIN,
  postJson,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  type TokenResponse,
} from "../support/http.js";

/**
 * Failed sign-ins limited per account as well as per (account, address), with an unknown address
 * answering like a known one; and signing out one session from the list of one's sessions. The
 * attacks themselves (bursts, floods, device tokens) are test/security/auth/login-limits.test.ts.
 */
const db = env.AUTH_DB;
const ACCOUNT_MAX_FAILURES = 50;
const ADDRESS_MAX_FAILURES = 10;

// postJson sends every request from a new client address: only the per-account limit can apply.
const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  postJson(exports.default, "/auth/login", { email, password }, headers);

/** Status, body and headers a client could tell apart (Date, the request id and Retry-After's countdown aside). */
async function observable(response: Response) {
  const headers = [...response.headers].filter(([name]) => !["date", "x-request-id", "retry-after"].includes(name)).sort();
  return { status: response.status, body: await response.text(), headers };
}

/** Puts an account's count from all addresses at `failures`, as that many failed sign-ins would. */
async function seedAccountFailures(email: string, failures: number) {
  await db
    .prepare(
      `INSERT INTO login_failures (email_normalized, scope, failures, window_started_at) VALUES (?, 'account', ?, ?)
       ON CONFLICT (email_normalized, scope) DO UPDATE SET failures = excluded.failures, window_started_at = excluded.window_started_at`,
    )
    .bind(normalizeEmail(email), failures, Date.now())
    .run();
}

describe("failed sign-ins per account", () => {
  it(`refuse unknown devices from any address past ${ACCOUNT_MAX_FAILURES} failures in the hour — the right password too — with 429 and Retry-After`, async () => {
    const user = await registerUser(exports.default);
    const statuses = await Promise.all(
      Array.from({ length: ACCOUNT_MAX_FAILURES }, async (_, attempt) => (await login(user.user.email, `guess number ${attempt}`)).status),
    );
    expect(statuses.every((status) => status === 401)).toBe(true);
    const limited = await login(user.user.email, STRONG_PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(900);
    expect((await errorOf(limited)).code).toBe("rate_limited");
    // Other accounts are not held back.
    const other = await registerUser(exports.default);
    expect((await login(other.user.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it("answer an unknown address exactly as a known one, before and after the limit", async () => {
    const user = await registerUser(exports.default);
    const unknown = uniqueEmail("nobody");
    await seedAccountFailures(user.user.email, ACCOUNT_MAX_FAILURES - 2);
    await seedAccountFailures(unknown, ACCOUNT_MAX_FAILURES - 2);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect(await observable(await login(unknown, "a wrong password"))).toEqual(
        await observable(await login(user.user.email, "a wrong password")),
      );
    }
  });

  it("give a success's attempt back, start an address again after a success, and after the window", async () => {
    const user = await registerUser(exports.default);
    const fromOneAddress = { "CF-Connecting-IP": freshClientIp() };
    for (let attempt = 0; attempt < ADDRESS_MAX_FAILURES - 1; attempt += 1) await login(user.user.email, "wrong", fromOneAddress);
    expect((await login(user.user.email, STRONG_PASSWORD, fromOneAddress)).status).toBe(200);
    for (let attempt = 0; attempt < ADDRESS_MAX_FAILURES - 1; attempt += 1) await login(user.user.email, "wrong", fromOneAddress);
    expect((await login(user.user.email, STRONG_PASSWORD, fromOneAddress)).status).toBe(200);
    // Failures stay counted for the account; the two sign-ins are not among them.
    const accountCount = await db
      .prepare("SELECT failures FROM login_failures WHERE email_normalized = ? AND scope = 'account'")
      .bind(normalizeEmail(user.user.email))
      .first<{ failures: number }>();
    expect(accountCount?.failures).toBe(2 * (ADDRESS_MAX_FAILURES - 1));
    // Another address (the route's own rate limit allows 20 requests a minute from one).
    const fromAnother = { "CF-Connecting-IP": freshClientIp() };
    for (let attempt = 0; attempt < ADDRESS_MAX_FAILURES; attempt += 1) await login(user.user.email, "wrong", fromAnother);
    expect((await login(user.user.email, STRONG_PASSWORD, fromAnother)).status).toBe(429);
    await db
      .prepare("UPDATE login_failures SET window_started_at = ? WHERE email_normalized = ? AND scope = ?")
      .bind(Date.now() - 16 * 60_000, normalizeEmail(user.user.email), `address:${fromAnother["CF-Connecting-IP"]}`)
      .run();
    expect((await login(user.user.email, STRONG_PASSWORD, fromAnother)).status).toBe(200);
  });
});

describe("DELETE /auth/sessions/:id", () => {
  const revoke = (token: string, id: string) =>
    exports.default.fetch(`${ORIGIN}/auth/sessions/${id}`, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
  const sessionsOf = async (token: string) =>
    (
      (await (await getWithBearer(exports.default, "/auth/sessions", token)).json()) as {
        sessions: Array<{ id: string; current: boolean }>;
      }
    ).sessions;

  it("signs out another session of the caller's: 204, its tokens stop working, the caller's go on", async () => {
    const laptop = await registerUser(exports.default);
    const phone = (await (await login(laptop.user.email, STRONG_PASSWORD)).json()) as TokenResponse;
    const phoneSession = (await sessionsOf(phone.access_token)).find((session) => session.current);
    expect((await revoke(laptop.access_token, phoneSession?.id ?? "")).status).toBe(204);
    expect((await errorOf(await getWithBearer(exports.default, "/auth/me", phone.access_token))).code).toBe("token_revoked");
    expect((await postJson(exports.default, "/auth/refresh", { refresh_token: phone.refresh_token })).status).toBe(401);
    expect((await getWithBearer(exports.default, "/auth/me", laptop.access_token)).status).toBe(200);
    expect((await sessionsOf(laptop.access_token)).map((session) => session.id)).not.toContain(phoneSession?.id);
    expect(await countRows(db, "session_sync_outbox", "user_id = ? AND kind = 'revoke_session'", laptop.user.id)).toBe(1);
  });

  it("answers 404 for someone else's session, a revoked one and one that never was, and changes nothing", async () => {
    const mine = await registerUser(exports.default);
    const theirs = await registerUser(exports.default);
    const theirSession = (await sessionsOf(theirs.access_token))[0]?.id ?? "";
    for (const id of [theirSession, crypto.randomUUID(), "x".repeat(65)]) {
      const response = await revoke(mine.access_token, id);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe("not_found");
    }
    expect((await getWithBearer(exports.default, "/auth/me", theirs.access_token)).status).toBe(200);
    const own = (await sessionsOf(mine.access_token))[0]?.id ?? "";
    expect((await revoke(mine.access_token, own)).status).toBe(204);
    const second = await registerUser(exports.default);
    expect((await revoke(second.access_token, own)).status).toBe(404);
  });

  it("needs the caller's access token", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/auth/sessions/${crypto.randomUUID()}`, { method: "DELETE" });
    expect((await errorOf(response)).code).toBe("invalid_token");
  });
});
