import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import authApp from "../../workers/demo/auth.js";
import { postToAuthApp } from "../support/auth/auth-app.js";
import { holdQueries } from "../support/auth/held-database.js";
import { countRows } from "../support/auth-db.js";
import {
  errorOf,
  freshClientIp,
  getWithBearer,
  latestMail,
  mailboxOf,
  ORIGIN,
  postJson,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  type TokenResponse,
} from "../support/http.js";
import { inOneWindow } from "../support/rate-limit-window.js";

/**
 * docs/protocol.md, Accounts: a reset is asked for by address — the same answer whether or not an
 * account has it — and done with the mailed token (single use, 30 min), under the password rules;
 * it ends every session of the user.
 */
const db = env.AUTH_DB;
const NEW_PASSWORD = "a brand new passphrase";

const askForReset = (email: string, headers: Record<string, string> = {}) =>
  postToAuthApp("/auth/password/reset/request", { email }, headers);
const reset = (token: string, password = NEW_PASSWORD) => postJson(exports.default, "/auth/password/reset", { token, password });
const login = (email: string, password: string) => postJson(exports.default, "/auth/login", { email, password });

async function resetTokenOf(user: TokenResponse): Promise<string> {
  expect((await askForReset(user.user.email)).status).toBe(202);
  return (await latestMail(exports.default, user.user.email, /reset/i)).token;
}

/** Status, body and headers a client could tell apart (Date and the per-request id aside). */
async function observable(response: Response) {
  const headers = [...response.headers].filter(([name]) => name !== "date" && name !== "x-request-id").sort();
  return { status: response.status, body: await response.text(), headers };
}

describe("POST /auth/password/reset/request", () => {
  it("answers a known and an unknown address identically (202), and mails only the known one", async () => {
    const user = await registerUser(exports.default);
    const unknown = uniqueEmail("nobody");
    const known = await observable(await askForReset(user.user.email));
    const stranger = await observable(await askForReset(unknown));
    expect(known.status).toBe(202);
    expect(stranger).toEqual(known);
    const mail = await latestMail(exports.default, user.user.email, /reset/i);
    expect(mail.text).toContain(`http://localhost:8787/#reset_password=${mail.token}`);
    expect(await mailboxOf(exports.default, unknown)).toEqual([]);
  });

  it("answers before it looks the address up: nothing the database holds can change the answer or its timing", async () => {
    const user = await registerUser(exports.default);
    const held = holdQueries(env.AUTH_DB);
    const ctx = createExecutionContext();
    const request = new Request(`${ORIGIN}/auth/password/reset/request`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp() },
      body: JSON.stringify({ email: user.user.email }),
    });
    // Every query waits, so the 202 can only have come before any lookup.
    const response = await authApp.fetch(request, { ...env, AUTH_DB: held.database }, ctx);
    expect(response.status).toBe(202);
    expect(await mailboxOf(exports.default, user.user.email)).toHaveLength(1); // the sign-up's only
    held.release();
    await waitOnExecutionContext(ctx);
    expect(held.queriesAsked).toBeGreaterThan(0);
    expect((await latestMail(exports.default, user.user.email, /reset/i)).token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("is rate limited per address asked about, from any client", async () => {
    const statuses = await inOneWindow(async () => {
      const email = uniqueEmail("reset-flood");
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 21; attempt += 1) statuses.push((await askForReset(email)).status);
      return statuses;
    });
    expect(statuses.slice(0, 20).every((status) => status === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("POST /auth/password/reset", () => {
  it("sets the new password (204), proves the address, and ends every session of the user", async () => {
    const user = await registerUser(exports.default);
    const other = (await (await login(user.user.email, STRONG_PASSWORD)).json()) as TokenResponse;
    const response = await reset(await resetTokenOf(user));
    expect(response.status).toBe(204);
    expect((await login(user.user.email, STRONG_PASSWORD)).status).toBe(401);
    const signedIn = await login(user.user.email, NEW_PASSWORD);
    expect(signedIn.status).toBe(200);
    expect(((await signedIn.json()) as TokenResponse).user.email_verified).toBe(true);
    for (const session of [user, other]) {
      expect((await errorOf(await getWithBearer(exports.default, "/auth/me", session.access_token))).code).toBe("token_revoked");
      expect((await postJson(exports.default, "/auth/refresh", { refresh_token: session.refresh_token })).status).toBe(401);
    }
    const sync = await db
      .prepare("SELECT reason, session_ids FROM session_sync_outbox WHERE user_id = ? AND reason = 'password_reset'")
      .bind(user.user.id)
      .first<{ session_ids: string }>();
    expect(JSON.parse(sync?.session_ids ?? "[]")).toHaveLength(2);
  });

  it("works once: the token, and every older reset token of the user, are spent", async () => {
    const user = await registerUser(exports.default);
    const older = await resetTokenOf(user);
    const newer = await resetTokenOf(user);
    expect((await reset(newer)).status).toBe(204);
    for (const spent of [newer, older])
      expect((await errorOf(await reset(spent, "yet another passphrase"))).code).toBe("invalid_reset_token");
    expect((await login(user.user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it.each([
    [
      "an expired token",
      async (user: TokenResponse, token: string) => {
        await db
          .prepare("UPDATE email_tokens SET expires_at = ? WHERE user_id = ? AND purpose = 'reset_password'")
          .bind(Date.now() - 1, user.user.id)
          .run();
        return reset(token);
      },
    ],
    ["a forged token", async () => reset("f".repeat(43))],
    ["a verification token", async (user: TokenResponse) => reset((await latestMail(exports.default, user.user.email, /confirm/i)).token)],
  ])("refuses %s with 400 invalid_reset_token, changing nothing", async (_label, attempt) => {
    const user = await registerUser(exports.default);
    const token = await resetTokenOf(user);
    const response = await attempt(user, token);
    expect((await errorOf(response)).code).toBe("invalid_reset_token");
    expect((await login(user.user.email, STRONG_PASSWORD)).status).toBe(200);
    expect((await getWithBearer(exports.default, "/auth/me", user.access_token)).status).toBe(200);
  });

  it("applies the password rules before spending the token: a weak password is refused and the link still works", async () => {
    const user = await registerUser(exports.default);
    const token = await resetTokenOf(user);
    for (const weak of ["short", "password123", user.user.email])
      expect((await errorOf(await reset(token, weak))).code).toBe("weak_password");
    expect(await countRows(db, "email_tokens", "user_id = ? AND purpose = 'reset_password' AND used_at IS NULL", user.user.id)).toBe(1);
    expect((await reset(token)).status).toBe(204);
  });
});
