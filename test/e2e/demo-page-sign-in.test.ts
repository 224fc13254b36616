import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, launchChromium } from "../support/node/browser.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";

/** The demo page's "Sign in with dev provider", in a real browser against real processes. */
describe("the demo page's provider sign-in, in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startLocalStack({ provider: true }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("signs in through the provider's form, comes back signed in with no token in the address bar, and signs out", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.backend.origin}/`);
    await page.getByRole("link", { name: "Sign in with dev provider" }).click();

    await page.getByRole("textbox", { name: "Email" }).fill("page-user@example.com");
    await page.getByRole("textbox", { name: "Name" }).fill("Page User");
    await page.getByRole("button", { name: "Sign in" }).click();

    await expect.poll(() => page.locator("#user-name").textContent()).toBe("Page User");
    expect(page.url()).toBe(`${stack.backend.origin}/`);
    await page.screenshot({ path: artifactPath("demo-page-signed-in.png") });
    const tokens = JSON.parse((await page.evaluate(() => sessionStorage.getItem("tether.tokens"))) ?? "null") as { access_token: string };
    const me = () => fetch(`${stack.backend.origin}/auth/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect((await me()).status).toBe(200);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Sign in" }).isVisible()).toBe(true);
    await expect.poll(async () => (await me()).status).toBe(401);
  });

  it("shows the provider's refusal when the user denies", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.backend.origin}/`);
    await page.getByRole("link", { name: "Sign in with dev provider" }).click();
    await page.getByRole("button", { name: "Deny" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("access_denied");
    expect(page.url()).toBe(`${stack.backend.origin}/`);
  });
});
