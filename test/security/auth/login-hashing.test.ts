import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freshClientIp, ORIGIN, registerUser, uniqueEmail } from "../../support/http.js";

/**
 * Enumeration by timing: a login for an unknown email does the same work as one with a wrong
 * password — one PBKDF2 derivation at the full iteration count — so its answer takes as long.
 * Shown by counting the derivations, not by a stopwatch (timings are for the benchmarks).
 */
describe("a failed login", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** The iteration counts of the PBKDF2 derivations a login does. */
  async function derivationsOf(email: string): Promise<number[]> {
    const iterations: number[] = [];
    const deriveBits = crypto.subtle.deriveBits.bind(crypto.subtle);
    const spy = vi.spyOn(crypto.subtle, "deriveBits").mockImplementation((algorithm, key, length) => {
      if (typeof algorithm === "object" && "iterations" in algorithm) iterations.push(Number(algorithm.iterations));
      return deriveBits(algorithm, key, length);
    });
    const response = await exports.default.fetch(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp() },
      body: JSON.stringify({ email, password: "not the password at all" }),
    });
    expect(response.status).toBe(401);
    spy.mockRestore();
    return iterations;
  }

  it("derives a hash at the full cost for an unknown email exactly as for a wrong password", async () => {
    const { user } = await registerUser(exports.default);
    const wrongPassword = await derivationsOf(user.email);
    expect(wrongPassword).toEqual([100_000]);
    expect(await derivationsOf(uniqueEmail("nobody"))).toEqual(wrongPassword);
  });
});
