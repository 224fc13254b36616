import { env, exports } from "cloudflare:workers";
import { decodeJwt, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { signingKey } from "../support/forge.js";
import { errorOf, ORIGIN, postJson, registerUser, STRONG_PASSWORD, uniqueEmail } from "../support/http.js";
import { exchangeHandoff, handoffCodeOf, location, returnedTo, SignInBrowser, type Person } from "../support/oauth-browser.js";
import { MAX_RETURN_TO_LENGTH } from "../../workers/auth/oauth/return-origins.js";

const db = env.AUTH_DB;
const browser = () => new SignInBrowser(exports.default, env.DEV_OIDC);

/** Nothing was created for this person: no user with the email, no identity, no handoff issued. */
async function expectNothingStoredFor(email: string) {
  expect(await countRows(db, "users", "email_normalized = ?", email.toLowerCase())).toBe(0);
  expect(await countRows(db, "user_identities", "email = ?", email)).toBe(0);
}

/** The callback sent the browser back to the app with this error code, and no handoff code. */
function expectErrorBack(response: Response, code: string) {
  const { url, fragment } = returnedTo(response);
  expect(`${url.origin}${url.pathname}`).toBe(`${ORIGIN}/app`);
  expect(fragment.get("error")).toBe(code);
  expect(fragment.get("error_description")).toEqual(expect.any(String));
  expect(fragment.has("handoff")).toBe(false);
}

async function expectJsonError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(await errorOf(response)).toEqual({ code, message: expect.any(String) });
}

describe("return_to open-redirect tricks", () => {
  const tricks = [
    ["protocol-relative", "//evil.example/app"],
    ["relative path", "/app"],
    ["credentials before the host", "https://app.example@evil.example/"],
    ["allowed host as credentials", "https://app.example:443@evil.example/"],
    ["allowed origin as a subdomain of evil", "https://app.example.evil.example/"],
    ["javascript:", "javascript:alert(document.cookie)"],
    ["JavaScript: in mixed case", "JaVaScRiPt:alert(1)"],
    ["javascript: split by a tab", "java\tscript:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["an evil host in upper case", "HTTPS://EVIL.EXAMPLE/"],
    ["a trailing dot on an allowed host", "https://app.example./"],
    ["a trailing dot on a wildcard host", "https://pr-7.preview.example./"],
    ["another port on an exact origin", "https://app.example:8443/"],
    ["a port on a wildcard host", "https://pr-7.preview.example:444/"],
    ["http instead of https", "http://app.example/"],
    ["two labels under a one-label wildcard", "https://a.b.preview.example/"],
    ["the wildcard's bare suffix", "https://preview.example/"],
    ["a backslash trick", "https://app.example\\@evil.example/"],
    ["a fragment", "https://app.example/#/dashboard"],
    ["an allowed origin only in the query", "https://evil.example/?next=https://app.example/"],
    ["a look-alike unicode host", "https://аpp.example/"],
    ["a newline", "https://app.example/\n"],
    ["an overlong URL", `https://app.example/${"a".repeat(600)}`],
  ] as const;

  it.each(tricks)("refuses %s with 400 invalid_return_to, storing nothing and setting no cookie", async (_name, returnTo) => {
    const before = await countRows(db, "oauth_logins");
    const signIn = browser();
    const response = await signIn.visitAuth(await signIn.startUrl("dev", returnTo));
    await expectJsonError(response, 400, returnTo.length > MAX_RETURN_TO_LENGTH ? "validation_failed" : "invalid_return_to");
    expect(response.headers.get("Set-Cookie")).toBeNull();
    expect(await countRows(db, "oauth_logins")).toBe(before);
  });

  it.each([
    ["an exact origin with a path and query", "https://app.example/chat?x=1", "https://app.example/chat?x=1"],
    ["an exact origin in mixed case (the same origin)", "HTTPS://App.Example/Chat", "https://app.example/Chat"],
    ["an explicit default port (the same origin)", "https://app.example:443/", "https://app.example/"],
    ["one label under the wildcard", "https://pr-7.preview.example/", "https://pr-7.preview.example/"],
  ])("accepts %s", async (_name, returnTo, normalized) => {
    const authorize = await browser().start("dev", returnTo);
    expect(decodeJwt(authorize.searchParams.get("state") ?? "").return_origin).toBe(new URL(normalized).origin);
    const row = await db
      .prepare("SELECT return_to FROM oauth_logins WHERE id = ?")
      .bind(decodeJwt(authorize.searchParams.get("state") ?? "").jti)
      .first<{ return_to: string }>();
    expect(row?.return_to).toBe(normalized);
  });

  it("refuses unknown query parameters with 400 validation_failed", async () => {
    await expectJsonError(await exports.default.fetch(`${ORIGIN}/auth/oauth/dev/start?next=/app`), 400, "validation_failed");
  });
});

describe("state", () => {
  const person = (): Person => ({ email: uniqueEmail("state") });

  /** Approves at the provider and returns the callback URL, without visiting it. */
  async function callbackUrl(signIn: SignInBrowser, who: Person): Promise<URL> {
    return signIn.decide(await signIn.start(), "approve", who);
  }

  async function expectStateRefused(signIn: SignInBrowser, url: URL | string, who: Person) {
    await expectJsonError(await signIn.visitAuth(url), 400, "invalid_state");
    await expectNothingStoredFor(who.email);
  }

  it("is required", async () => {
    const signIn = browser();
    const who = person();
    const url = await callbackUrl(signIn, who);
    url.searchParams.delete("state");
    await expectStateRefused(signIn, url, who);
  });

  it("is refused when tampered with", async () => {
    const signIn = browser();
    const who = person();
    const url = await callbackUrl(signIn, who);
    const [header, payload, signature] = (url.searchParams.get("state") ?? "").split(".");
    const claims = { ...decodeJwt(url.searchParams.get("state") ?? ""), return_origin: "https://evil.example" };
    url.searchParams.set("state", `${header}.${btoa(JSON.stringify(claims)).replace(/=+$/, "")}.${signature}`);
    expect(payload).not.toBe(url.searchParams.get("state")?.split(".")[1]);
    await expectStateRefused(signIn, url, who);
  });

  it("is refused when signed by another key", async () => {
    const signIn = browser();
    const who = person();
    const url = await callbackUrl(signIn, who);
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT(decodeJwt(url.searchParams.get("state") ?? ""))
      .setProtectedHeader({ alg: "ES256", typ: "oauth-state+jwt" })
      .sign(privateKey);
    url.searchParams.set("state", forged);
    await expectStateRefused(signIn, url, who);
  });

  it("is refused once expired, by its signed exp", async () => {
    const signIn = browser();
    const who = person();
    const url = await callbackUrl(signIn, who);
    const { kid, key } = await signingKey(db, "oauth_state");
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...decodeJwt(url.searchParams.get("state") ?? ""), iat: nowSeconds - 700, exp: nowSeconds - 100 })
      .setProtectedHeader({ alg: "ES256", kid, typ: "oauth-state+jwt" })
      .sign(key);
    url.searchParams.set("state", expired);
    await expectStateRefused(signIn, url, who);
  });

  it("is refused once its sign-in has expired in the database", async () => {
    const signIn = browser();
    const who = person();
    const url = await callbackUrl(signIn, who);
    await db
      .prepare("UPDATE oauth_logins SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, decodeJwt(url.searchParams.get("state") ?? "").jti)
      .run();
    await expectStateRefused(signIn, url, who);
  });

  it("is single-use: a replayed callback is refused and issues no second handoff", async () => {
    const signIn = browser();
    const url = await callbackUrl(signIn, person());
    const first = await signIn.visitAuth(url);
    handoffCodeOf(first);
    const handoffs = await countRows(db, "oauth_logins", "handoff_hash IS NOT NULL");
    await expectJsonError(await signIn.visitAuth(url), 400, "invalid_state");
    expect(await countRows(db, "oauth_logins", "handoff_hash IS NOT NULL")).toBe(handoffs);
  });

  it("is refused in a browser that did not start the sign-in (a forwarded callback link)", async () => {
    const who = person();
    const url = await callbackUrl(browser(), who);
    await expectStateRefused(browser(), url, who);
  });

  it("is refused at another provider's callback", async () => {
    const signIn = browser();
    const who = person();
    const url = await callbackUrl(signIn, who);
    await expectStateRefused(signIn, `${ORIGIN}/auth/oauth/dev-github/callback${url.search}`, who);
  });
});

describe("the provider's answer", () => {
  it("is refused when the PKCE verifier does not match the challenge the provider saw", async () => {
    const who = { email: uniqueEmail("pkce") };
    const response = await browser().signIn(who, {
      tamper: (authorize) => authorize.searchParams.set("code_challenge", "A".repeat(43)),
    });
    expectErrorBack(response, "oauth_failed");
    await expectNothingStoredFor(who.email);
  });

  it("is refused when the ID token carries another nonce", async () => {
    const who = { email: uniqueEmail("nonce") };
    const response = await browser().signIn(who, { tamper: (authorize) => authorize.searchParams.set("nonce", "an-injected-nonce") });
    expectErrorBack(response, "oauth_failed");
    await expectNothingStoredFor(who.email);
  });

  it.each([
    ["the code was swapped for another", "code", "not-a-code-the-provider-issued"],
    ["the callback names another issuer (mix-up)", "iss", "https://evil.example"],
  ])("is refused when %s", async (_name, parameter, value) => {
    const signIn = browser();
    const who = { email: uniqueEmail("callback") };
    const url = await signIn.decide(await signIn.start(), "approve", who);
    url.searchParams.set(parameter, value);
    expectErrorBack(await signIn.visitAuth(url), "oauth_failed");
    await expectNothingStoredFor(who.email);
  });

  it("returns a provider error (the user denied) to the app as oauth_denied", async () => {
    const signIn = browser();
    const who = { email: uniqueEmail("denied") };
    const response = await signIn.visitAuth(await signIn.decide(await signIn.start(), "deny", who));
    expectErrorBack(response, "oauth_denied");
    expect(returnedTo(response).fragment.get("error_description")).toContain("access_denied");
    await expectNothingStoredFor(who.email);
  });

  it.each(["hangs", "broken"])("returns provider_unavailable when the provider %s, without hanging", async (provider) => {
    const before = await countRows(db, "oauth_logins");
    const signIn = browser();
    const response = await signIn.visitAuth(await signIn.startUrl(provider));
    expectErrorBack(response, "provider_unavailable");
    expect(await countRows(db, "oauth_logins")).toBe(before);
  });
});

describe("emails the provider has not verified", () => {
  it("cannot take over an existing account", async () => {
    const email = uniqueEmail("victim");
    const victim = await registerUser(exports.default, { email });
    const response = await browser().signIn({ email, emailVerified: false });
    expectErrorBack(response, "email_not_verified");
    expect(await countRows(db, "user_identities", "user_id = ?", victim.user.id)).toBe(0);
    expect(await countRows(db, "sessions", "user_id = ?", victim.user.id)).toBe(1);
    expect((await postJson(exports.default, "/auth/login", { email, password: STRONG_PASSWORD })).status).toBe(200);
  });

  it("cannot create an account either (it would be squatting on someone's address)", async () => {
    const who = { email: uniqueEmail("squatter"), emailVerified: false };
    expectErrorBack(await browser().signIn(who), "email_not_verified");
    await expectNothingStoredFor(who.email);
  });

  it("refuses a disabled account with account_disabled", async () => {
    const email = uniqueEmail("disabled");
    const user = await registerUser(exports.default, { email });
    await db.prepare("UPDATE users SET disabled_at = ? WHERE id = ?").bind(Date.now(), user.user.id).run();
    expectErrorBack(await browser().signIn({ email }), "account_disabled");
  });
});

describe("POST /auth/oauth/handoff", () => {
  async function freshHandoff(): Promise<string> {
    return handoffCodeOf(await browser().signIn({ email: uniqueEmail("handoff") }));
  }

  it("is single-use: a replayed code is refused with 401 invalid_handoff and starts no second session", async () => {
    const code = await freshHandoff();
    expect((await exchangeHandoff(exports.default, code)).status).toBe(200);
    const sessions = await countRows(db, "sessions");
    await expectJsonError(await exchangeHandoff(exports.default, code), 401, "invalid_handoff");
    expect(await countRows(db, "sessions")).toBe(sessions);
  });

  it("is refused after 60 seconds", async () => {
    const code = await freshHandoff();
    await db
      .prepare("UPDATE oauth_logins SET handoff_expires_at = ? WHERE handoff_expires_at > ?")
      .bind(Date.now() - 1, Date.now())
      .run();
    await expectJsonError(await exchangeHandoff(exports.default, code), 401, "invalid_handoff");
  });

  it("is refused from another origin than the sign-in returned to, and is burnt", async () => {
    const code = await freshHandoff();
    await expectJsonError(await exchangeHandoff(exports.default, code, { Origin: "https://evil.example" }), 401, "invalid_handoff");
    await expectJsonError(await exchangeHandoff(exports.default, code, { Origin: ORIGIN }), 401, "invalid_handoff");
  });

  it("refuses an unknown code", async () => {
    await expectJsonError(await exchangeHandoff(exports.default, "x".repeat(43)), 401, "invalid_handoff");
  });

  it.each([
    ["no code", {}],
    ["an empty code", { code: "" }],
    ["an overlong code", { code: "x".repeat(129) }],
    ["an unknown field", { code: "abc", refresh: true }],
    ["a code that is not a string", { code: 42 }],
  ])("answers %s with 400 validation_failed", async (_name, body) => {
    await expectJsonError(await postJson(exports.default, "/auth/oauth/handoff", body), 400, "validation_failed");
  });

  it("never answers a handoff with the code in a URL or a token in the redirect", async () => {
    const response = await browser().signIn({ email: uniqueEmail("url") });
    expect(location(response)).toMatch(/#handoff=[\w-]{43}$/);
  });
});
