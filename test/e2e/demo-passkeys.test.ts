import { Secret, TOTP, URI } from "otpauth";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, launchChromium } from "../support/node/browser.js";
import { connectionLabel, signUpOnPage } from "../support/node/demo-page.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";

/**
 * Passkeys and two-factor sign-in on the demo page, in Chromium with a CDP virtual authenticator
 * (CTAP2, resident keys, user verification): add a passkey, sign out, sign back in with it; turn
 * two-factor on from its otpauth URI, then a password sign-in that asks for the code. The page is
 * opened as http://localhost:<port>, the relying party `localhost` (an IP address is no rp id).
 */
describe("passkeys and two-factor sign-in on the demo page, in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let pageOrigin: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        authVars: (backendOrigin) => ({
          WEBAUTHN_RP_ID: "localhost",
          WEBAUTHN_ORIGINS: backendOrigin.replace("127.0.0.1", "localhost"),
        }),
      }),
      launchChromium(),
    ]);
    pageOrigin = stack.backend.origin.replace("127.0.0.1", "localhost");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** The page's platform authenticator, played by Chromium: it answers at once, as a user who touched it would. */
  async function withVirtualAuthenticator(page: Page, context: BrowserContext): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { cdp, authenticatorId };
  }

  const signUp = (page: Page, email: string) => signUpOnPage(page, pageOrigin, { name: "Grace Hopper", email });

  async function signOut(page: Page): Promise<void> {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.locator("#signed-out").isVisible()).toBe(true);
  }

  it("adds a passkey, signs out, and signs back in with it — no email typed", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { cdp, authenticatorId } = await withVirtualAuthenticator(page, context);
    const email = `grace-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await signUp(page, email);

    await page.getByRole("button", { name: "Add a passkey" }).click();
    await expect.poll(() => page.locator("#passkey-list li").count()).toBe(1);
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toEqual([expect.objectContaining({ isResidentCredential: true, rpId: "localhost" })]);

    await signOut(page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect.poll(() => connectionLabel(page)).toBe("connected");
    expect(await page.locator("#who").textContent()).toContain(email);
    await expect.poll(() => page.locator("#passkey-list li .seen").textContent()).toMatch(/^last used /);
    await page.screenshot({ path: artifactPath("demo-page-passkeys.png"), fullPage: true });
    await context.close();
  });

  it("turns two-factor on from the otpauth URI, then a password sign-in asks for a code (a recovery code here)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const email = `ada-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await signUp(page, email);

    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => page.locator("#mfa-qr").getAttribute("src")).toMatch(/^data:image\/gif;base64,/);
    const uri = await page.getByLabel("Or copy this into your authenticator app").inputValue();
    const totp = URI.parse(uri);
    if (!(totp instanceof TOTP)) throw new Error("not a TOTP URI");
    const code = new TOTP({ secret: Secret.fromBase32(totp.secret.base32) }).generate();
    await page.getByLabel("Code from the app", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Turn on", exact: true }).click();
    await expect.poll(() => page.locator("#mfa-recovery-codes li").count()).toBe(10);
    const recoveryCode = (await page.locator("#mfa-recovery-codes li").first().textContent()) ?? "";
    await expect.poll(() => page.locator("#mfa-status").textContent()).toMatch(/is on; 10 recovery codes left/);

    await signOut(page);
    await page.getByLabel("Email").first().fill(email);
    await page.getByLabel("Password").first().fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.locator("#mfa-step").isVisible()).toBe(true);
    expect(await connectionLabel(page)).not.toBe("connected");
    await page.getByLabel("Code from your authenticator app, or a recovery code").fill(recoveryCode);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect.poll(() => connectionLabel(page)).toBe("connected");
    await expect.poll(() => page.locator("#mfa-status").textContent()).toMatch(/9 recovery codes left/);
    await context.close();
  });
});
