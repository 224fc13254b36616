/**
 * @module
 * Brute force and enumeration: guessing passwords from one address hits the rate limit; a wrong
 * password and an unknown email answer the same (and do the same work: security/auth/login-hashing.test.ts);
 * registration tells no more about existing accounts than its documented 409.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, ORIGIN, registerUser, STRONG_PASSWORD, uniqueEmail } from "../support/http.js";
import { inOneWindow } from "../support/rate-limit-window.js";

/** A login from one fixed client address (the rate limit counts per route and address). */
function login(body: unknown, address: string): Promise<Response> {
  return exports.default.fetch(`${ORIGIN}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": address },
    body: JSON.stringify(body),
  });
}

let addresses = 0;
const newAddress = () => `192.0.2.${(addresses += 1)}`;

/** Status, body and headers a client could tell apart (Date and the per-request id aside). */
async function observable(response: Response) {
  const headers = [...response.headers].filter(([name]) => name !== "date" && name !== "x-request-id").sort();
  return { status: response.status, body: await response.text(), headers };
}

describe("password guessing", () => {
  it("hits the rate limit after 20 tries from one address: 429 with Retry-After, even for the right password", async () => {
    const { user } = await registerUser(exports.default);
    const { statuses, limited } = await inOneWindow(async () => {
      const address = newAddress();
      const statuses: number[] = [];
      // Credential stuffing: a different account each time, so only the per-address limit applies
      // (the per-account one is test/auth/account-protection.test.ts).
      for (let guess = 0; guess < 22; guess += 1)
        statuses.push((await login({ email: uniqueEmail("stuffed"), password: `guess number ${guess}` }, address)).status);
      return { statuses, limited: await login({ email: user.email, password: STRONG_PASSWORD }, address) };
    });
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toEqual(expect.any(String));
    expect((await errorOf(limited)).code).toBe("rate_limited");
    // Another address is not held back by this one's guesses.
    expect((await login({ email: user.email, password: STRONG_PASSWORD }, newAddress())).status).toBe(200);
  });

  it("counts an IPv6 client by its /64: guesses rotated over its addresses meet the same limit", async () => {
    const { user } = await registerUser(exports.default);
    const statuses = await inOneWindow(async () => {
      const prefix = `2001:db8:${(addresses += 1).toString(16)}:7`;
      const statuses: number[] = [];
      for (let guess = 0; guess < 22; guess += 1) {
        // A new address of the same /64 for every guess: 2^64 of them are the client's to pick.
        const address = `${prefix}:${guess.toString(16)}:${(guess * 7).toString(16)}::${(guess + 1).toString(16)}`;
        statuses.push((await login({ email: uniqueEmail("rotated"), password: `guess number ${guess}` }, address)).status);
      }
      return statuses;
    });
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    // The next /64 over is another client.
    expect((await login({ email: user.email, password: STRONG_PASSWORD }, `2001:db8:${(addresses += 1).toString(16)}:7::1`)).status).toBe(
      200,
    );
  });
});

describe("telling accounts apart", () => {
  it("answers a wrong password and an unknown email identically: status, body and headers", async () => {
    const { user } = await registerUser(exports.default);
    const wrongPassword = await observable(await login({ email: user.email, password: "not the password at all" }, newAddress()));
    const unknownEmail = await observable(await login({ email: uniqueEmail("nobody"), password: "not the password at all" }, newAddress()));
    expect(unknownEmail).toEqual(wrongPassword);
    expect(wrongPassword.status).toBe(401);
  });

  it("lets registration reveal an existing account only by its documented 409, after every other check", async () => {
    const { user } = await registerUser(exports.default);
    const register = (email: string, password: string, name = "Someone") =>
      exports.default.fetch(`${ORIGIN}/auth/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": newAddress() },
        body: JSON.stringify({ email, password, name }),
      });
    // Bad input answers the same whether the email is taken or not.
    for (const [password, name] of [
      ["short", "Someone"],
      [STRONG_PASSWORD, ""],
    ] as const) {
      const taken = await observable(await register(user.email, password, name));
      const free = await observable(await register(uniqueEmail("free"), password, name));
      expect(taken.status).toBe(400);
      expect(taken).toEqual(free);
    }
    const conflict = await register(user.email.toUpperCase(), STRONG_PASSWORD);
    expect(conflict.status).toBe(409);
    expect((await errorOf(conflict)).code).toBe("email_taken");
  });
});
