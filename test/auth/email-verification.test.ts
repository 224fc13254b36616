import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it, vi } from "vitest";
import authApp from "../../workers/demo/auth.js";
import { countRows } from "../support/auth-db.js";
import {
  errorOf,
  getWithBearer,
  latestMail,
  mailboxOf,
  ORIGIN,
  postJson,
  postWithBearer,
  registerUser,
  uniqueEmail,
  type TokenResponse,
} from "../support/http.js";
import { postToAuthApp } from "../support/auth/auth-app.js";
import { inOneWindow } from "../support/rate-limit-window.js";

/**
 * docs/protocol.md, Accounts: a password sign-up has not proved its address until it redeems the
 * token of the mail sent on sign-up (24 h, single use, stored hashed); in development that mail
 * lands in the dev mailbox, readable on loopback only.
 */
const db = env.AUTH_DB;

const verify = (token: string, bearer?: string) =>
  postJson(exports.default, "/auth/email/verify", { token }, bearer ? { Authorization: `Bearer ${bearer}` } : {});
const verifiedAt = (userId: string) =>
  db.prepare("SELECT email_verified_at AS at FROM users WHERE id = ?").bind(userId).first<{ at: number | null }>();

describe("the verification mail", () => {
  it("is sent on sign-up, with a link to the app carrying a 256-bit token that is stored only as a hash", async () => {
    const user = await registerUser(exports.default);
    expect(user.user.email_verified).toBe(false);
    const [mail, ...others] = await mailboxOf(exports.default, user.user.email);
    expect(others).toEqual([]);
    expect(mail).toMatchObject({ to: user.user.email, subject: "Confirm your email address" });
    expect(mail?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail?.text).toContain(`http://localhost:8787/#verify_email=${mail?.token}`);
    expect(
      await countRows(db, "email_tokens", "user_id = ? AND purpose = 'verify_email' AND token_hash != ?", user.user.id, mail?.token),
    ).toBe(1);
  });

  it("is kept in a mailbox only development on a loopback host can read", async () => {
    const email = uniqueEmail("mailbox");
    await registerUser(exports.default, { email });
    for (const [vars, url] of [
      [{ ENVIRONMENT: "production" }, `http://localhost/auth/dev/mailbox?email=${email}`],
      [{}, `https://tether.example/auth/dev/mailbox?email=${email}`],
    ] as const) {
      const ctx = createExecutionContext();
      const response = await authApp.fetch(new Request(url), { ...env, ...vars }, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(403);
      expect((await errorOf(response)).code).toBe("dev_login_disabled");
    }
    const noAddress = await exports.default.fetch(`${ORIGIN}/auth/dev/mailbox`);
    expect((await errorOf(noAddress)).code).toBe("validation_failed");
  });
});

describe("POST /auth/email/verify", () => {
  it("proves the address: 200 with the user, /auth/me and the next access token say email_verified", async () => {
    const user = await registerUser(exports.default);
    const mail = await latestMail(exports.default, user.user.email, /confirm/i);
    const response = await verify(mail.token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { id: user.user.id, email_verified: true } });
    const me = (await (await getWithBearer(exports.default, "/auth/me", user.access_token)).json()) as {
      user: { email_verified: boolean };
    };
    expect(me.user.email_verified).toBe(true);
    const refreshed = (await (
      await postJson(exports.default, "/auth/refresh", { refresh_token: user.refresh_token })
    ).json()) as TokenResponse;
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ email_verified: true });
  });

  it.each([
    ["used twice", async (_user: TokenResponse, token: string) => (await verify(token)).status === 200 && verify(token)],
    ["forged", async () => verify("x".repeat(43))],
    [
      "expired",
      async (user: TokenResponse, token: string) => {
        await db
          .prepare("UPDATE email_tokens SET expires_at = ? WHERE user_id = ?")
          .bind(Date.now() - 1, user.user.id)
          .run();
        return verify(token);
      },
    ],
    [
      "another user's, while signed in",
      async (_user: TokenResponse, token: string) => verify(token, (await registerUser(exports.default)).access_token),
    ],
    [
      "a password-reset token",
      async (user: TokenResponse) => {
        await postToAuthApp("/auth/password/reset/request", { email: user.user.email });
        const reset = await db
          .prepare("SELECT COUNT(*) AS n FROM email_tokens WHERE user_id = ? AND purpose = 'reset_password'")
          .bind(user.user.id)
          .first<{ n: number }>();
        expect(reset?.n).toBe(1);
        return verify((await latestMail(exports.default, user.user.email, /reset/i)).token);
      },
    ],
  ])("refuses a token %s with 400 invalid_verification_token, changing nothing", async (label, redeem) => {
    const user = await registerUser(exports.default);
    const token = (await latestMail(exports.default, user.user.email, /confirm/i)).token;
    const response = await redeem(user, token);
    if (!response) throw new Error("the first redemption failed");
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_verification_token");
    if (label !== "used twice") expect((await verifiedAt(user.user.id))?.at).toBeNull();
  });

  it("refuses a body that is not {token}", async () => {
    for (const body of [{}, { token: "" }, { token: "a".repeat(129) }, { token: "t", extra: 1 }]) {
      expect((await errorOf(await postJson(exports.default, "/auth/email/verify", body))).code).toBe("validation_failed");
    }
  });
});

describe("POST /auth/email/verify/request", () => {
  it("sends a new mail to a signed-in user whose address is not proved (202), and says so of one that is", async () => {
    const user = await registerUser(exports.default);
    const again = await postWithBearer(exports.default, "/auth/email/verify/request", user.access_token);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ status: "sent" });
    const mails = await mailboxOf(exports.default, user.user.email);
    expect(mails).toHaveLength(2);
    expect((await verify(mails[0]?.token ?? "")).status).toBe(200);
    const done = await postWithBearer(exports.default, "/auth/email/verify/request", user.access_token);
    expect(await done.json()).toEqual({ status: "already_verified" });
    expect(await mailboxOf(exports.default, user.user.email)).toHaveLength(2);
  });

  it("needs a user's token, and is rate limited per account", async () => {
    expect((await errorOf(await postJson(exports.default, "/auth/email/verify/request", {}))).code).toBe("invalid_token");
    const statuses = await inOneWindow(async () => {
      const user = await registerUser(exports.default);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 21; attempt += 1)
        statuses.push((await postWithBearer(exports.default, "/auth/email/verify/request", user.access_token)).status);
      return statuses;
    });
    expect(statuses.slice(0, 20).every((status) => status === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("outside development", () => {
  const signUp = async (vars: Record<string, unknown>, email: string) => {
    const keys = await productionKeys();
    const ctx = createExecutionContext();
    const response = await authApp.fetch(
      new Request("https://auth.tether.example/auth/register", {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": "198.51.100.7" },
        body: JSON.stringify({ email, password: "correct horse battery staple", name: "Prod" }),
      }),
      { ...env, ENVIRONMENT: "production", ...keys, MAIL_LINK_ORIGIN: "https://tether.example", ...vars },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  };

  it("sends through the send_email binding from MAIL_FROM, with a link to the app, and keeps nothing in the dev mailbox", async () => {
    const sent: Array<{ from: string; to: string; subject: string; text?: string }> = [];
    const EMAIL = { send: async (message: { from: string; to: string; subject: string; text?: string }) => void sent.push(message) };
    const email = uniqueEmail("prod-mail");
    expect((await signUp({ EMAIL, MAIL_FROM: "Tether <no-reply@tether.example>" }, email)).status).toBe(201);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: "Tether <no-reply@tether.example>", to: email, subject: "Confirm your email address" });
    expect(sent[0]?.text).toMatch(/https:\/\/tether\.example\/#verify_email=[A-Za-z0-9_-]{43}/);
    expect(await countRows(db, "dev_mailbox", "to_normalized = ?", email)).toBe(0);
  });

  it("without a send_email binding still signs the user up, and logs one line that the mail was not sent — without the token", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const email = uniqueEmail("no-mail");
    expect((await signUp({}, email)).status).toBe(201);
    const lines = warnings.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("mail_not_sent"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ event: "mail_not_sent", kind: "verify_email" });
    expect(lines[0]).not.toContain(email);
    expect(await countRows(db, "dev_mailbox", "to_normalized = ?", email)).toBe(0);
    warnings.mockRestore();
  });
});

async function productionKeys(): Promise<Record<string, string>> {
  const secret = async (purpose: string) => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `${purpose}-${crypto.randomUUID()}`, alg: "ES256" });
  };
  return {
    ACCESS_SIGNING_KEY: await secret("access"),
    SERVICE_SIGNING_KEY: await secret("service"),
    DEVICE_SIGNING_KEY: await secret("device"),
  };
}
