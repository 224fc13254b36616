import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, launchChromium } from "../support/node/browser.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";

/**
 * The demo page's "Notify me" in Chromium against real processes (docs/notifications.md): the
 * button asks the demo service to publish, and the notification arrives over the page's socket —
 * in every tab of the session.
 */
describe("the demo page's notifications, in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startLocalStack(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const connected = (page: Page) => expect.poll(() => page.locator("#connection-label").textContent()).toBe("connected");
  const shown = (page: Page) => page.locator("#notification-list li").allTextContents();

  it("shows the notification Notify me publishes, in both tabs of the session", async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await first.goto(`${stack.backend.origin}/`);
    await first.getByRole("textbox", { name: "Name" }).fill("Grace Hopper");
    await first
      .getByLabel("Email")
      .nth(1)
      .fill(`grace-${crypto.randomUUID().slice(0, 8)}@example.com`);
    await first.getByLabel("Password").nth(1).fill("correct horse battery");
    await first.getByRole("button", { name: "Create account" }).click();
    await connected(first);
    const second = await context.newPage();
    await second.goto(`${stack.backend.origin}/`);
    await connected(second);

    await first.getByRole("button", { name: "Notify me" }).click();
    for (const page of [first, second]) {
      await expect.poll(() => shown(page)).toEqual(["demo.hello Hello from the demo service."]);
    }
    await first.screenshot({ path: artifactPath("demo-page-notification.png"), fullPage: true });
    expect(await first.locator("#error").isVisible()).toBe(false);
    await context.close();
  });
});
