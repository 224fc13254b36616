import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../support/node/local-stack.js";

/**
 * The demo page and its assets, from a real dev server (static assets and their _headers are
 * served before the Worker runs): a strict Content-Security-Policy and the other browser defences
 * on every asset, and nothing inline that such a policy would have to allow.
 */
describe("the demo page's security headers", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(() => stack?.stop());
  const server = () => stack;

  it.each(["/", "/app.css", "/build/app.js"])("serves %s with a strict CSP, nosniff, no-referrer and no framing", async (path) => {
    const response = await fetch(`${server().origin}${path}`);
    expect(response.status).toBe(200);
    const policy = response.headers.get("Content-Security-Policy") ?? "";
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      expect(policy).toContain(directive);
    }
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:.*script/);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    await response.arrayBuffer();
  });

  it("has no inline script or event handler that the policy would have to allow", async () => {
    const page = await (await fetch(`${server().origin}/`)).text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/\sstyle=/i);
  });
});
