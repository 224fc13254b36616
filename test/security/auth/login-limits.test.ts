import { env, exports } from "cloudflare:workers";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { normalizeEmail } from "../../../workers/auth/users.js";
import { postToAuthApp } from "../../support/auth/auth-app.js";
import { countRows } from "../../support/auth-db.js";
import { errorOf, latestMail, ORIGIN, registerUser, STRONG_PASSWORD, type TokenResponse } from "../../support/http.js";

/**
 * Password guessing against one account (docs/protocol.md): each attempt is counted before its password
 * is checked, per (account, address) and per account; past the account's limit only a device
 * token from an earlier sign-in gets in — the owner is not locked out by someone else's flood.
 */
const db = env.AUTH_DB;
const ACCOUNT_MAX_FAILURES = 50;
const ADDRESS_MAX_FAILURES = 10;
const DEVICE_MAX_FAILURES = 5;

let addresses = 0;
const newAddress = () => `198.51.${((addresses += 1) >> 8) & 255}.${addresses & 255}`;

function login(body: { email: string; password: string; device_token?: string }, address = newAddress(), cookie?: string) {
  return exports.default.fetch(`${ORIGIN}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": address, ...(cookie ? { Cookie: cookie } : {}) },
    body: JSON.stringify(body),
  });
}

const accountCount = async (email: string) =>
  (
    await db
      .prepare("SELECT failures FROM login_failures WHERE email_normalized = ? AND scope = 'account'")
      .bind(normalizeEmail(email))
      .first<{ failures: number }>()
  )?.failures ?? 0;

/** A flood of wrong passwords to `email`, each from its own address. */
const flood = (email: string, guesses: number) =>
  Promise.all(Array.from({ length: guesses }, (_, guess) => login({ email, password: `wrong guess ${guess}` })));

/** Counts the full-cost PBKDF2 derivations from now on: the password checks actually made. */
function countPasswordChecks() {
  let checks = 0;
  const deriveBits = crypto.subtle.deriveBits.bind(crypto.subtle);
  vi.spyOn(crypto.subtle, "deriveBits").mockImplementation((algorithm, key, length) => {
    if (typeof algorithm === "object" && "iterations" in algorithm && algorithm.iterations === 100_000) checks += 1;
    return deriveBits(algorithm, key, length);
  });
  return () => checks;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a burst of parallel guesses", () => {
  it("has at most the limit checked — the rest 429 unhashed — and the right password sent inside it after the limit gets no tokens", async () => {
    const { user } = await registerUser(exports.default);
    const checks = countPasswordChecks();
    const burst = flood(user.email, 100);
    // The burst's attempts are counted as they arrive: once the count has passed the limit (while
    // the burst's hashes are still being worked through), the owner's right password comes.
    await expect.poll(() => accountCount(user.email), { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(ACCOUNT_MAX_FAILURES);
    const right = await login({ email: user.email, password: STRONG_PASSWORD });
    const statuses = (await burst).map((response) => response.status);

    expect(statuses.filter((status) => status === 401)).toHaveLength(ACCOUNT_MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(100 - ACCOUNT_MAX_FAILURES);
    expect(checks()).toBe(ACCOUNT_MAX_FAILURES);
    expect(right.status).toBe(429);
    expect((await errorOf(right)).code).toBe("rate_limited");
    expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(3000);
    expect(right.headers.get("Set-Cookie")).toBeNull();
    // Only the sign-up's session exists; every attempt was counted.
    expect(await countRows(db, "sessions", "user_id = ?", user.id)).toBe(1);
    expect(await accountCount(user.email)).toBe(101);
  });
});

describe("a flood of wrong passwords from 60 addresses", () => {
  it("refuses the owner without a device token (429), and signs in the owner with one from an earlier sign-in, in the body or the cookie", async () => {
    const owner = await registerUser(exports.default);
    const earlier = (await (await login({ email: owner.user.email, password: STRONG_PASSWORD })).json()) as TokenResponse;
    const deviceToken = earlier.device_token ?? "";
    expect(deviceToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const statuses = (await flood(owner.user.email, 60)).map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(ACCOUNT_MAX_FAILURES);

    const unknownDevice = await login({ email: owner.user.email, password: STRONG_PASSWORD });
    expect(unknownDevice.status).toBe(429);
    // A device token is the account's own: another account's does not open this one.
    const stranger = (await registerUser(exports.default)).device_token ?? "";
    expect((await login({ email: owner.user.email, password: STRONG_PASSWORD, device_token: stranger })).status).toBe(429);

    const inBody = await login({ email: owner.user.email, password: STRONG_PASSWORD, device_token: deviceToken });
    expect(inBody.status).toBe(200);
    const body = (await inBody.json()) as TokenResponse;
    expect(body.device_token).toEqual(expect.any(String));
    const cookie = `tether_device=${deviceToken}`;
    expect((await login({ email: owner.user.email, password: STRONG_PASSWORD }, newAddress(), cookie)).status).toBe(200);
    expect(await countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", owner.user.id)).toBe(4);
  });

  it("refuses a device token that came with 5 wrong passwords, until its window passes", async () => {
    const owner = await registerUser(exports.default);
    const deviceToken = owner.device_token ?? "";
    await flood(owner.user.email, ACCOUNT_MAX_FAILURES + 1);
    for (let guess = 0; guess < DEVICE_MAX_FAILURES; guess += 1)
      expect((await login({ email: owner.user.email, password: `thief ${guess}`, device_token: deviceToken })).status).toBe(401);
    const refused = await login({ email: owner.user.email, password: STRONG_PASSWORD, device_token: deviceToken });
    expect(refused.status).toBe(429);
    // The device's window passes (15 minutes): it is a known device again.
    await db
      .prepare("UPDATE login_failures SET window_started_at = ? WHERE email_normalized = ? AND scope LIKE 'device:%'")
      .bind(Date.now() - 16 * 60_000, normalizeEmail(owner.user.email))
      .run();
    expect((await login({ email: owner.user.email, password: STRONG_PASSWORD, device_token: deviceToken })).status).toBe(200);
  });
});

// Eleven or more password hashes one after another per test: under a full `npm test` on 2 cores, more than the default 5 s.
describe("guesses from one address", { timeout: 20_000 }, () => {
  it(`get 429 for that account past ${ADDRESS_MAX_FAILURES} failures — the right password too — while other addresses still sign in`, async () => {
    const { user } = await registerUser(exports.default);
    const address = newAddress();
    for (let guess = 0; guess < ADDRESS_MAX_FAILURES; guess += 1)
      expect((await login({ email: user.email, password: `guess ${guess}` }, address)).status).toBe(401);
    const limited = await login({ email: user.email, password: STRONG_PASSWORD }, address);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(60);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect((await login({ email: user.email, password: STRONG_PASSWORD }, newAddress())).status).toBe(200);
    // The address's count; the account's counted only what the address was allowed to try.
    const scope = `address:${address}`;
    expect(
      await countRows(db, "login_failures", "email_normalized = ? AND scope = ? AND failures = ?", normalizeEmail(user.email), scope, 11),
    ).toBe(1);
    expect(await accountCount(user.email)).toBe(ADDRESS_MAX_FAILURES);
  });

  it("counts an IPv6 client by its /64", async () => {
    const { user } = await registerUser(exports.default);
    const prefix = `2001:db8:${(addresses += 1).toString(16)}:9`;
    for (let guess = 0; guess < ADDRESS_MAX_FAILURES; guess += 1)
      expect((await login({ email: user.email, password: `guess ${guess}` }, `${prefix}:${guess.toString(16)}::1`)).status).toBe(401);
    expect((await login({ email: user.email, password: STRONG_PASSWORD }, `${prefix}:ffff::2`)).status).toBe(429);
  });
});

describe("a password reset", () => {
  it("clears the account's counters: the new password signs in from anywhere at once", async () => {
    const { user } = await registerUser(exports.default);
    await flood(user.email, ACCOUNT_MAX_FAILURES + 5);
    expect((await login({ email: user.email, password: STRONG_PASSWORD })).status).toBe(429);
    expect(await countRows(db, "login_failures", "email_normalized = ?", normalizeEmail(user.email))).toBeGreaterThan(1);

    expect((await postToAuthApp("/auth/password/reset/request", { email: user.email })).status).toBe(202);
    const { token } = await latestMail(exports.default, user.email, /reset/i);
    expect((await postToAuthApp("/auth/password/reset", { token, password: "a brand new passphrase" })).status).toBe(204);

    expect(await countRows(db, "login_failures", "email_normalized = ?", normalizeEmail(user.email))).toBe(0);
    expect((await login({ email: user.email, password: "a brand new passphrase" })).status).toBe(200);
  });
});

describe("every sign-in", () => {
  it("carries a device token in its body and an HttpOnly, SameSite=Strict cookie for /auth", async () => {
    const email = `device-${crypto.randomUUID()}@example.com`;
    const registered = await exports.default.fetch(`${ORIGIN}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": newAddress() },
      body: JSON.stringify({ email, password: STRONG_PASSWORD, name: "Device" }),
    });
    expect(registered.status).toBe(201);
    const body = (await registered.json()) as TokenResponse;
    const cookie = registered.headers.get("Set-Cookie") ?? "";
    expect(cookie).toContain(`tether_device=${body.device_token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/auth/);
    // http://localhost (loopback, plain http) is the one place it goes without Secure.
    expect(cookie).not.toMatch(/Secure/);
    const overHttps = await exports.default.fetch("https://localhost/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": newAddress() },
      body: JSON.stringify({ email, password: STRONG_PASSWORD }),
    });
    expect(overHttps.status).toBe(200);
    expect(overHttps.headers.get("Set-Cookie")).toMatch(/Secure/);
    // A refresh is not a sign-in.
    const refreshed = await exports.default.fetch(`${ORIGIN}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": newAddress() },
      body: JSON.stringify({ refresh_token: body.refresh_token }),
    });
    expect(((await refreshed.json()) as TokenResponse).device_token).toBeUndefined();
  });
});

describe("a device token", () => {
  it("is signed with a key of its own: the published access keys (JWKS) do not verify it", async () => {
    const { device_token: deviceToken } = await registerUser(exports.default);
    if (!deviceToken) throw new Error("no device token");
    const jwks = (await (await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    await expect(jwtVerify(deviceToken, createLocalJWKSet(jwks))).rejects.toThrow();
  });
});
