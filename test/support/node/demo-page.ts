/**
 * @module
 * The demo page as the browser tests drive it: its connection label, the sign-up form, the composer.
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** The page's connection state as it shows it ("connected", "reconnecting…", …). */
export const connectionLabel = (page: Page) => page.locator("#connection-label").textContent();

/** A fresh address for a sign-up on the page. */
export const pageEmail = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** Creates an account on the page at `origin` and waits until its socket is connected. */
export async function signUpOnPage(page: Page, origin: string, account: { name: string; email: string; password?: string }): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByRole("textbox", { name: "Name" }).fill(account.name);
  await page.getByLabel("Email").nth(1).fill(account.email);
  await page
    .getByLabel("Password")
    .nth(1)
    .fill(account.password ?? "correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect.poll(() => connectionLabel(page)).toBe("connected");
}

/** Sends `content` from the composer. */
export async function ask(page: Page, content: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(content);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}
