import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { errorOf, ORIGIN, uniqueEmail } from "../support/http.js";
import { exchangeHandoff, handoffCodeOf, SignInBrowser } from "../support/oauth-browser.js";
import { inOneWindow } from "../support/rate-limit-window.js";

/**
 * docs/protocol.md, "The handoff is bound to the browser that started the sign-in": the app sends the hash
 * of a verifier it keeps when it starts, and must present the verifier with the handoff code.
 * Login CSRF — an attacker's code lured into a victim's browser — is the attack this stops.
 */
const db = env.AUTH_DB;
const browser = () => new SignInBrowser(exports.default, env.DEV_OIDC);

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(await errorOf(response)).toEqual({ code, message: expect.any(String) });
}

describe("starting a provider sign-in", () => {
  it.each([
    ["without a handoff_challenge", ""],
    ["with a challenge that is not a SHA-256 in base64url", "&handoff_challenge=short"],
    ["with a challenge of the right length but the wrong alphabet", `&handoff_challenge=${"+".repeat(43)}`],
  ])("is refused %s: 400 validation_failed, nothing stored, no cookie", async (_case, query) => {
    const before = await countRows(db, "oauth_logins");
    const response = await exports.default.fetch(
      `${ORIGIN}/auth/oauth/dev/start?return_to=${encodeURIComponent(`${ORIGIN}/app`)}${query}`,
      {
        redirect: "manual",
      },
    );
    await expectError(response, 400, "validation_failed");
    expect(response.headers.get("Set-Cookie")).toBeNull();
    expect(await countRows(db, "oauth_logins")).toBe(before);
  });
});

describe("the handoff", () => {
  it("signs in the app that started the sign-in, with its verifier", async () => {
    const signIn = browser();
    const code = handoffCodeOf(await signIn.signIn({ email: uniqueEmail("bound") }));
    const answer = await exchangeHandoff(exports.default, code, {}, signIn.verifier);
    expect(answer.status).toBe(200);
  });

  it("refuses an attacker's code lured into another browser (its own verifier), and burns it for the attacker too", async () => {
    const attacker = browser();
    const victim = browser();
    const attackerEmail = uniqueEmail("attacker");
    const attackersCode = handoffCodeOf(await attacker.signIn({ email: attackerEmail }));
    // The victim's page, opened on the attacker's `#handoff=` link, would send its own verifier.
    await expectError(await exchangeHandoff(exports.default, attackersCode, {}, victim.verifier), 401, "invalid_handoff");
    await expectError(await exchangeHandoff(exports.default, attackersCode, {}, attacker.verifier), 401, "invalid_handoff");
    // No session of the attacker's account exists: neither browser was signed in.
    expect(
      await countRows(db, "sessions", "user_id = (SELECT id FROM users WHERE email_normalized = ?)", attackerEmail.toLowerCase()),
    ).toBe(0);
  });

  it("refuses a handoff without a verifier, or with one that is not one: 400, the code still good", async () => {
    const signIn = browser();
    const code = handoffCodeOf(await signIn.signIn({ email: uniqueEmail("noverifier") }));
    const post = (body: unknown) =>
      exports.default.fetch(`${ORIGIN}/auth/oauth/handoff`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": "198.51.100.99" },
        body: JSON.stringify(body),
      });
    await expectError(await post({ code }), 400, "validation_failed");
    await expectError(await post({ code, verifier: "short" }), 400, "validation_failed");
    await expectError(await post({ code, verifier: "x".repeat(129) }), 400, "validation_failed");
    expect((await exchangeHandoff(exports.default, code, {}, signIn.verifier)).status).toBe(200);
  });
});

describe("sign-in starts", () => {
  it("are rate limited per client address like logins: the 21st in a minute is 429 with Retry-After, and stores nothing", async () => {
    const { refused, before } = await inOneWindow(async () => {
      const signIn = browser();
      const url = await signIn.startUrl();
      for (let attempt = 0; attempt < 20; attempt += 1) expect((await signIn.visitAuth(url)).status).toBe(302);
      const before = await countRows(db, "oauth_logins");
      return { refused: await signIn.visitAuth(url), before };
    });
    await expectError(refused, 429, "rate_limited");
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(await countRows(db, "oauth_logins")).toBe(before);
  });
});
