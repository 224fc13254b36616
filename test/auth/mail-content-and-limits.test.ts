import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callAuthApp, postToAuthApp } from "../support/auth/auth-app.js";
import { countRows } from "../support/auth-db.js";
import { mailboxOf, registerUser, type DevMail } from "../support/http.js";

/**
 * docs/protocol.md: mail to an address nobody has proved carries nothing its registrant typed (else
 * anyone could send their own words from our domain to anyone), and each account gets at most 3
 * verification and 3 reset mails an hour — past that the same 202, and no mail.
 */
const db = env.AUTH_DB;
const PHISHING_NAME = "Click http://evil.test to claim your prize";

const requestReset = (email: string) => postToAuthApp("/auth/password/reset/request", { email });
const requestVerification = (accessToken: string) =>
  callAuthApp("/auth/email/verify/request", { method: "POST", headers: { Authorization: `Bearer ${accessToken}` } });
const mailsOf = async (email: string, subject: RegExp): Promise<DevMail[]> =>
  (await mailboxOf(exports.default, email)).filter((mail) => subject.test(mail.subject));

describe("the verification and reset mails", () => {
  it("carry no text the registrant typed: not the sign-up name, not the address, only the fixed words and the code", async () => {
    const local = `click-http-evil-${crypto.randomUUID().slice(0, 8)}`;
    const email = `${local}@example.com`;
    await registerUser(exports.default, { email, name: PHISHING_NAME });
    expect((await requestReset(email)).status).toBe(202);
    const mails = await mailboxOf(exports.default, email);
    expect(mails.map((mail) => mail.subject).sort()).toEqual(["Confirm your email address", "Reset your password"]);
    for (const mail of mails) {
      expect(mail.to).toBe(email);
      expect(mail.text).not.toContain("evil");
      expect(mail.text).not.toContain("prize");
      expect(mail.text).not.toContain(local);
      expect(mail.text).toContain(mail.token);
    }
  });
});

describe("mails per account", () => {
  it("past 3 reset mails in an hour, a request is still 202 and sends nothing", async () => {
    const { user } = await registerUser(exports.default);
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await requestReset(user.email));
    for (const answer of answers) expect(answer.status).toBe(202);
    expect(new Set(await Promise.all(answers.map((answer) => answer.text())))).toHaveLength(1);
    expect(await mailsOf(user.email, /reset/i)).toHaveLength(3);
    expect(await countRows(db, "email_tokens", "user_id = ? AND purpose = 'reset_password'", user.id)).toBe(3);
  });

  it("past 3 verification mails in an hour (the sign-up's counts), a request is still 202 and sends nothing", async () => {
    const registered = await registerUser(exports.default);
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await requestVerification(registered.access_token));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(await answer.json()).toEqual({ status: "sent" });
    }
    expect(await mailsOf(registered.user.email, /confirm/i)).toHaveLength(3);
    expect(await countRows(db, "email_tokens", "user_id = ? AND purpose = 'verify_email'", registered.user.id)).toBe(3);
  });

  it("counts each purpose apart, and only the last hour", async () => {
    const registered = await registerUser(exports.default);
    const { email } = registered.user;
    for (let i = 0; i < 3; i += 1) await requestReset(email);
    // Reset mails used up; a verification mail still goes.
    expect((await requestVerification(registered.access_token)).status).toBe(202);
    expect(await mailsOf(email, /confirm/i)).toHaveLength(2);
    // An hour and a second later, the account has room again.
    await db
      .prepare("UPDATE email_tokens SET created_at = created_at - 3601000 WHERE user_id = ? AND purpose = 'reset_password'")
      .bind(registered.user.id)
      .run();
    await requestReset(email);
    expect(await mailsOf(email, /reset/i)).toHaveLength(4);
  });
});
