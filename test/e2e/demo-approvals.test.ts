import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, launchChromium } from "../support/node/browser.js";
import { ask, connectionLabel, pageEmail, signUpOnPage } from "../support/node/demo-page.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";

/**
 * Tool approval on the demo page in Chromium against real processes (docs/tools.md, "Tools that
 * ask first"): a message that asks to send something makes the demo agent call `send_summary`,
 * which needs a yes — given here from a second tab of the session, while the first tab's run
 * waits and then goes on.
 */
describe("the demo page's tool approval, in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startLocalStack(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const waiting = (page: Page) => page.locator("#approval-list li");

  async function signedUpTabs() {
    const context = await browser.newContext();
    const first = await context.newPage();
    await signUpOnPage(first, stack.backend.origin, { name: "Ada Lovelace", email: pageEmail("ada") });
    const second = await context.newPage();
    await second.goto(`${stack.backend.origin}/`);
    await expect.poll(() => connectionLabel(second)).toBe("connected");
    return { context, first, second };
  }

  it("approved in the second tab: the first tab's run goes on and says it sent", async () => {
    const { context, first, second } = await signedUpTabs();
    await ask(first, "Please send me a summary of this");
    await expect.poll(() => waiting(second).count()).toBe(1);
    await expect.poll(() => waiting(first).count()).toBe(1);
    expect(await waiting(second).textContent()).toContain("send_summary wants to run");
    await expect.poll(() => first.locator(".step.waiting").count()).toBe(1);

    await second.getByRole("button", { name: "Allow" }).click();
    await expect.poll(() => first.locator(".message.run .answer").last().textContent()).toMatch(/^Sent the summary to ada-/);
    await expect.poll(() => waiting(first).count()).toBe(0);
    await expect.poll(() => waiting(second).count()).toBe(0);
    await first.screenshot({ path: artifactPath("demo-page-approval.png"), fullPage: true });
    expect(await first.locator("#error").isVisible()).toBe(false);
    await context.close();
  });

  it("denied: the tool call shows the denial and the answer says it was not sent", async () => {
    const { context, first } = await signedUpTabs();
    await ask(first, "send it to everyone");
    await expect.poll(() => waiting(first).count()).toBe(1);
    await first.getByRole("button", { name: "Deny" }).click();
    await expect.poll(() => first.locator(".message.run .answer").last().textContent()).toBe("Not sent (Denied on the demo page.).");
    expect(await first.locator(".tool .output").last().textContent()).toBe("error denied (Denied on the demo page.)");
    await context.close();
  });
});
