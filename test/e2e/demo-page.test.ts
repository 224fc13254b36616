import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, launchChromium } from "../support/node/browser.js";
import { ask, connectionLabel, pageEmail, signUpOnPage } from "../support/node/demo-page.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import { appSignIn, approvedCallback, followCallback } from "../support/node/provider-sign-in.js";

/**
 * The demo page in Chromium against real processes: the local OIDC provider, the auth Worker with
 * 10 s access tokens, and the backend warning 5 s before expiry — so a short visit lives through
 * several token refreshes, in two tabs at once — and the demo agent paced so a run can be stopped.
 */
const ACCESS_TOKEN_TTL_SECONDS = 10;

describe("the demo page, in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        provider: true,
        // The page can also be opened through a proxy that cuts the network under it.
        proxy: true,
        authVars: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) },
        // Runs take about a second (80 ms a step): long enough to press Stop.
        backendVars: { TOKEN_REFRESH_LEAD_SECONDS: "5", DEMO_AGENT_STEP_DELAY_MS: "80" },
      }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const visibleErrors = (page: Page) => page.locator("#error:visible, .failed").count();

  it("signs up, shows a run with its tool call and answer, lives through token expiry in two tabs, and signs out everywhere", async () => {
    const context: BrowserContext = await browser.newContext();
    const first = await context.newPage();
    await signUpOnPage(first, stack.backend.origin, { name: "Ada Lovelace", email: pageEmail("ada") });
    // The first access token expires within its lifetime from now.
    const firstExpiry = Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000;

    await ask(first, "what is 12 * (3 + 4)?");
    const run = first.getByRole("listitem", { name: "Agent run" }).last();
    await expect.poll(() => run.locator(".answer").textContent()).toBe("12 * (3 + 4) = 84");
    expect(await run.locator(".tool strong").textContent()).toBe("Tool: calculator");
    expect(await run.locator(".tool .input").textContent()).toContain("12 * (3 + 4)");
    expect(await run.locator(".tool .output").textContent()).toContain("84");
    expect(await run.locator(".step").first().textContent()).toMatch(/^Thinking: /);
    expect(await first.locator("#token-lifetime").textContent()).toMatch(/^token valid \d+ s$/);
    await first.screenshot({ path: artifactPath("demo-page-chat.png"), fullPage: true });

    // A second tab shares the session: both warned at once, both refresh, one refresh-token use.
    const second = await context.newPage();
    await second.goto(`${stack.backend.origin}/`);
    await expect.poll(() => connectionLabel(second)).toBe("connected");
    // Past the first token's expiry, with both tabs refreshing on every warning: still connected.
    await expect.poll(() => Date.now() > firstExpiry + 1000, { timeout: 2 * ACCESS_TOKEN_TTL_SECONDS * 1000, interval: 500 }).toBe(true);
    await ask(first, "what is 2+2");
    await expect.poll(() => first.getByRole("listitem", { name: "Agent run" }).last().locator(".answer").textContent()).toBe("2+2 = 4");
    await expect.poll(() => second.getByRole("listitem", { name: "Agent run" }).last().locator(".answer").textContent()).toBe("2+2 = 4");
    for (const page of [first, second]) {
      expect(await connectionLabel(page)).toMatch(/connected|refreshing token…/);
      expect(await visibleErrors(page)).toBe(0);
    }

    await second.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => second.getByRole("heading", { name: "Sign in to talk to the demo agent" }).isVisible()).toBe(true);
    await expect.poll(() => first.getByRole("heading", { name: "Sign in to talk to the demo agent" }).isVisible()).toBe(true);
    expect(await first.getByRole("alert").textContent()).toMatch(/signed out|session has ended/);
    await context.close();
  });

  it("stops a run with its Stop button, marks it stopped, and the next question still runs", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.backend.origin}/`);
    await page.getByRole("link", { name: "Sign in with dev provider" }).click();
    await page.getByRole("textbox", { name: "Email" }).fill(`stopper-${crypto.randomUUID().slice(0, 8)}@example.com`);
    await page.getByRole("textbox", { name: "Name" }).fill("Stopper");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => connectionLabel(page)).toBe("connected");
    await ask(page, "count the words of this rather long message please");
    const run = page.getByRole("listitem", { name: "Agent run" }).last();
    await run.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => run.locator(".meta").textContent()).toMatch(/^Stopped after \d+ ms$/);
    expect(await run.getByRole("button", { name: "Stop" }).isVisible()).toBe(false);
    expect(await visibleErrors(page)).toBe(0);
    // The next question runs to its answer.
    await ask(page, "what is 2+2");
    await expect.poll(() => page.getByRole("listitem", { name: "Agent run" }).last().locator(".answer").textContent()).toBe("2+2 = 4");
    await page.close();
  });

  async function signedUpPage(origin = stack.backend.origin): Promise<Page> {
    const page = await browser.newPage();
    await signUpOnPage(page, origin, { name: "Thread Keeper", email: pageEmail("threads") });
    return page;
  }

  it("keeps conversations in threads: a new thread, a switch back with its history loaded, both listed", async () => {
    const page = await signedUpPage();
    const threadList = page.getByRole("navigation", { name: "Threads" }).getByRole("listitem");
    const answers = page.getByRole("listitem", { name: "Agent run" }).locator(".answer");
    await ask(page, "what is 1+1");
    await expect.poll(() => answers.last().textContent()).toBe("1+1 = 2");
    await expect.poll(() => threadList.allTextContents()).toEqual(["what is 1+1"]);

    await page.getByRole("button", { name: "New thread" }).click();
    expect(await page.getByRole("listitem", { name: "Agent run" }).count()).toBe(0);
    await ask(page, "what is 2+3");
    await expect.poll(() => answers.last().textContent()).toBe("2+3 = 5");
    await expect.poll(() => threadList.allTextContents()).toEqual(["what is 2+3", "what is 1+1"]);
    expect(await page.locator('[aria-current="true"]').textContent()).toBe("what is 2+3");

    await page.getByRole("button", { name: "what is 1+1" }).click();
    await expect.poll(() => page.locator("#transcript > li").allTextContents()).toEqual(["what is 1+1", "1+1 = 2"]);
    expect(await page.locator('[aria-current="true"]').textContent()).toBe("what is 1+1");
    await page.screenshot({ path: artifactPath("demo-page-threads.png"), fullPage: true });
    await page.close();
  });

  it("shows a dropped connection reconnecting, then resumed, and the run in flight arrives whole, once", async () => {
    if (!stack.proxy) throw new Error("the stack has no proxy");
    const page = await signedUpPage(stack.origin);
    // Every label the header shows, in order (a reconnect can be quicker than a poll).
    await page.evaluate(() => {
      const label = document.getElementById("connection-label");
      const seen: string[] = [];
      Object.assign(window, { seenLabels: seen });
      if (label)
        new MutationObserver(() => seen.push(label.textContent ?? "")).observe(label, {
          childList: true,
          characterData: true,
          subtree: true,
        });
    });
    await ask(page, "count the words of this message while the network fails under it");
    const run = page.getByRole("listitem", { name: "Agent run" }).last();
    await expect.poll(() => run.locator(".meta").textContent()).toMatch(/is working/);
    stack.proxy.dropAll();
    await expect.poll(() => connectionLabel(page)).toBe("connected · resumed");
    expect(await page.evaluate(() => (window as unknown as { seenLabels: string[] }).seenLabels)).toContain("reconnecting…");
    await expect.poll(() => run.locator(".meta").textContent()).toMatch(/answered in/);
    expect(await run.locator(".answer").textContent()).toBe("Your message has 12 words and 64 characters.");
    expect(await page.getByRole("listitem", { name: "Agent run" }).count()).toBe(1);
    await page.close();
  });

  it("signs in with the dev provider and comes back signed in, with nothing in the address bar", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.backend.origin}/`);
    await page.getByRole("link", { name: "Sign in with dev provider" }).click();
    await page.getByRole("textbox", { name: "Email" }).fill("page-user@example.com");
    await page.getByRole("textbox", { name: "Name" }).fill("Page User");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#who").textContent()).toBe("Page User · page-user@example.com");
    await expect.poll(() => connectionLabel(page)).toBe("connected");
    expect(page.url()).toBe(`${stack.backend.origin}/`);
    await page.screenshot({ path: artifactPath("demo-page-provider.png") });
    await page.close();
  });

  it("shows the provider's refusal when the user denies", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.backend.origin}/`);
    await page.getByRole("link", { name: "Sign in with dev provider" }).click();
    await page.getByRole("button", { name: "Deny" }).click();
    // A fixed message for the code, not the provider's own words.
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("Sign-in failed: The sign-in was cancelled at the provider.");
    expect(page.url()).toBe(`${stack.backend.origin}/`);
    await page.close();
  });

  describe("login CSRF and spoofed messages (docs/protocol.md)", () => {
    /** The attacker's own sign-in, stopped at the redirect back: a `#handoff=` link to lure someone to. */
    async function attackersLink(): Promise<string> {
      if (!stack.provider) throw new Error("the stack has no provider");
      const origins = { app: stack.backend.origin, provider: stack.provider.origin };
      const name = "Attacker";
      const { callback, cookie } = await approvedCallback(origins, appSignIn(), {
        email: `attacker-${crypto.randomUUID()}@example.com`,
        name,
      });
      return (await followCallback(callback, cookie)).location;
    }

    it("ignores a lured #handoff= link in a page that started no sign-in: the victim is not signed in as the attacker", async () => {
      const link = await attackersLink();
      const victim = await browser.newPage();
      await victim.goto(link);
      await expect.poll(() => victim.url()).toBe(`${stack.backend.origin}/`);
      await expect.poll(() => victim.getByRole("heading", { name: "Sign in to talk to the demo agent" }).isVisible()).toBe(true);
      expect(await victim.locator("#who").isVisible()).toBe(false);
      expect(await visibleErrors(victim)).toBe(0);
      await victim.close();
    });

    it("refuses a lured code in a page that did start a sign-in: the verifier is not the attacker's", async () => {
      const link = await attackersLink();
      const victim = await browser.newPage();
      await victim.goto(`${stack.backend.origin}/`);
      // The victim starts a sign-in (the page keeps its verifier), then follows the attacker's link instead.
      await victim.getByRole("link", { name: "Sign in with dev provider" }).click();
      await victim.goto(link);
      await expect
        .poll(() => victim.getByRole("alert").textContent())
        .toBe("Sign-in failed: The handoff code is unknown, expired or already used; sign in again.");
      expect(await victim.locator("#who").isVisible()).toBe(false);
      await victim.close();
    });

    it("shows a provider error only as a fixed message, never the fragment's text", async () => {
      const page = await browser.newPage();
      const spoof = `/#error=oauth_failed&error_description=${encodeURIComponent("Your account is locked: call +1 555 0100")}`;
      // Not started here: nothing at all is shown.
      await page.goto(`${stack.backend.origin}${spoof}`);
      await expect.poll(() => page.url()).toBe(`${stack.backend.origin}/`);
      expect(await visibleErrors(page)).toBe(0);
      // Started here: the code's fixed message, not the text that came with it.
      await page.getByRole("link", { name: "Sign in with dev provider" }).click();
      await page.goto(`${stack.backend.origin}${spoof}`);
      await expect.poll(() => page.getByRole("alert").textContent()).toBe("Sign-in failed: The sign-in with the provider failed.");
      expect(await page.content()).not.toContain("555 0100");
      await page.close();
    });
  });

  /** The newest mail of `subject` in the dev mailbox: sent after a response, so awaited by polling. */
  async function mailTo(email: string, subject: RegExp): Promise<{ text: string }> {
    const read = async () => {
      const response = await fetch(`${stack.backend.origin}/auth/dev/mailbox?email=${encodeURIComponent(email)}`);
      const { messages } = (await response.json()) as { messages: Array<{ subject: string; text: string }> };
      return messages.find((message) => subject.test(message.subject));
    };
    await expect.poll(read).toBeDefined();
    return (await read()) as { text: string };
  }

  /** The link a mail carries, on this test's origin. */
  const linkIn = (mail: { text: string }) => /http:\/\/\S+/.exec(mail.text)?.[0] ?? "";

  const signUp = (page: Page, email: string, password: string) =>
    signUpOnPage(page, stack.backend.origin, { name: "Grace Hopper", email, password });

  it("confirms the email from the mailed link, signs out another device from the sessions list, and resets a forgotten password", async () => {
    const email = `grace-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const laptopContext = await browser.newContext();
    const laptop = await laptopContext.newPage();
    await signUp(laptop, email, "correct horse battery");

    // The banner asks to confirm the address, and in development links to the mailbox.
    const banner = laptop.getByRole("status").filter({ hasText: "Confirm your email address" });
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await laptop.getByRole("link", { name: "Open the dev mailbox" }).getAttribute("href")).toBe(
      `/auth/dev/mailbox?email=${encodeURIComponent(email)}`,
    );
    const confirmation = linkIn(await mailTo(email, /confirm/i));
    expect(confirmation).toMatch(new RegExp(`^${stack.backend.origin}/#verify_email=`));
    // Opened from the mail: a new tab of the same browser.
    const fromMail = await laptopContext.newPage();
    await fromMail.goto(confirmation);
    await expect.poll(() => fromMail.locator("#notice").textContent()).toBe("Your email address is confirmed.");
    expect(fromMail.url()).toBe(`${stack.backend.origin}/`);
    await expect.poll(() => fromMail.getByRole("status").filter({ hasText: "Confirm your email address" }).isVisible()).toBe(false);
    await fromMail.close();
    await laptop.reload();
    await expect.poll(() => connectionLabel(laptop)).toBe("connected");
    expect(await banner.isVisible()).toBe(false);

    // A second device signs in; the laptop sees it in its sessions and signs it out.
    const phoneContext = await browser.newContext({ userAgent: "Mozilla/5.0 (Linux; Android 14) Chrome/150.0 Mobile" });
    const phone = await phoneContext.newPage();
    await phone.goto(`${stack.backend.origin}/`);
    await phone.getByLabel("Email").first().fill(email);
    await phone.getByLabel("Password").first().fill("correct horse battery");
    await phone.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => connectionLabel(phone)).toBe("connected");
    await laptop.reload();
    const sessions = laptop.getByRole("region", { name: "Sessions" }).getByRole("listitem");
    await expect.poll(() => sessions.count()).toBe(2);
    expect(await sessions.filter({ hasText: "this device" }).count()).toBe(1);
    await laptop.getByRole("button", { name: "Sign out Chrome on Android" }).click();
    await expect.poll(() => phone.getByRole("heading", { name: "Sign in to talk to the demo agent" }).isVisible()).toBe(true);
    expect(await phone.getByRole("alert").textContent()).toMatch(/session has ended/);
    await expect.poll(() => sessions.count()).toBe(1);
    await laptop.screenshot({ path: artifactPath("demo-page-sessions.png"), fullPage: true });

    // Forgot the password on the phone: a reset link by mail, a new password, every session ended.
    await phone.getByRole("textbox", { name: "Email" }).last().fill(email);
    await phone.getByRole("button", { name: "Send me a reset link" }).click();
    await expect.poll(() => phone.locator("#notice").textContent()).toMatch(/reset link is on its way/);
    // The mail's link opened where the request was made; the page takes the token out of the address.
    await phone.goto(linkIn(await mailTo(email, /reset/i)));
    await expect.poll(() => phone.url()).toBe(`${stack.backend.origin}/`);
    await phone.getByLabel("New password", { exact: true }).fill("a brand new passphrase");
    await phone.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => phone.locator("#notice").textContent()).toMatch(/password is changed/);
    await expect.poll(() => laptop.getByRole("heading", { name: "Sign in to talk to the demo agent" }).isVisible()).toBe(true);
    expect(await laptop.getByRole("alert").textContent()).toMatch(/session has ended/);
    await phone.getByLabel("Email").first().fill(email);
    await phone.getByLabel("Password").first().fill("a brand new passphrase");
    await phone.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => connectionLabel(phone)).toBe("connected");
    await laptopContext.close();
    await phoneContext.close();
  });
});
