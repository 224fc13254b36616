import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, launchChromium } from "../support/node/browser.js";
import { connectionLabel, pageEmail, signUpOnPage } from "../support/node/demo-page.js";
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

  const shown = (page: Page) => page.locator("#notification-list li").allTextContents();

  it("shows the notification Notify me publishes, in both tabs of the session", async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await signUpOnPage(first, stack.backend.origin, { name: "Grace Hopper", email: pageEmail("grace") });
    const second = await context.newPage();
    await second.goto(`${stack.backend.origin}/`);
    await expect.poll(() => connectionLabel(second)).toBe("connected");

    await first.getByRole("button", { name: "Notify me" }).click();
    for (const page of [first, second]) {
      await expect.poll(() => shown(page)).toEqual(["demo.hello Hello from the demo service."]);
    }
    await first.screenshot({ path: artifactPath("demo-page-notification.png"), fullPage: true });
    expect(await first.locator("#error").isVisible()).toBe(false);
    await context.close();
  });
});
