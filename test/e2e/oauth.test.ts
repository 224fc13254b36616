import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import type { RunningWrangler } from "../support/node/wrangler-dev.js";
import { FrameCollector } from "../support/node/ws-client.js";

/**
 * Provider sign-in over real HTTP between real processes: the local OIDC provider, the auth
 * Worker and the backend each in their own `wrangler dev`, and this test as the browser —
 * following every redirect, keeping the cookie, filling in the form.
 */
describe("sign-in with the dev provider, end to end", () => {
  let stack: LocalStack;
  let provider: RunningWrangler;
  let backend: RunningWrangler;

  beforeAll(async () => {
    stack = await startLocalStack({ provider: true });
    if (!stack.provider) throw new Error("the stack has no provider");
    provider = stack.provider;
    backend = stack.backend;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** The browser's part up to the provider's redirect: start, then the provider's form approved. */
  async function approvedCallback(email: string): Promise<{ callback: URL; cookie: string }> {
    const start = await fetch(`${backend.origin}/auth/oauth/dev/start?return_to=${encodeURIComponent(`${backend.origin}/`)}`, {
      redirect: "manual",
    });
    expect(start.status).toBe(302);
    const cookie = (start.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    const authorize = new URL(start.headers.get("Location") ?? "");
    expect(authorize.origin).toBe(provider.origin);
    const form = await fetch(authorize);
    expect(form.status).toBe(200);
    expect(await form.text()).toMatch(/<form method="post"[\s\S]*name="email"/);
    const fields = new URLSearchParams(authorize.searchParams);
    fields.set("decision", "approve");
    fields.set("email", email);
    fields.set("name", "E2E Oidc");
    fields.set("email_verified", "true");
    const approved = await fetch(`${provider.origin}/authorize`, { method: "POST", body: fields, redirect: "manual" });
    expect(approved.status).toBe(302);
    const callback = new URL(approved.headers.get("Location") ?? "");
    expect(`${callback.origin}${callback.pathname}`).toBe(`${backend.origin}/auth/oauth/dev/callback`);
    return { callback, cookie };
  }

  /** Follows the callback; returns the page it sends the browser back to and the fragment. */
  async function followCallback(callback: URL, cookie: string): Promise<{ page: string; fragment: URLSearchParams }> {
    const back = await fetch(callback, { headers: { Cookie: cookie }, redirect: "manual" });
    expect(back.status).toBe(303);
    const returned = new URL(back.headers.get("Location") ?? "");
    return { page: `${returned.origin}${returned.pathname}`, fragment: new URLSearchParams(returned.hash.slice(1)) };
  }

  it("start → the provider's form → callback → back to the page with a handoff code → tokens that open /ws", async () => {
    const { callback, cookie } = await approvedCallback(`e2e-oidc-${crypto.randomUUID()}@example.com`);
    const { page, fragment } = await followCallback(callback, cookie);
    expect(page).toBe(`${backend.origin}/`);
    const exchanged = await fetch(`${backend.origin}/auth/oauth/handoff`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: backend.origin },
      body: JSON.stringify({ code: fragment.get("handoff") }),
    });
    expect(exchanged.status).toBe(200);
    const tokens = (await exchanged.json()) as { access_token: string; user: { name: string } };
    expect(tokens.user.name).toBe("E2E Oidc");

    const socket = new WebSocket(`${backend.origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${tokens.access_token}`]);
    const frames = new FrameCollector(socket);
    await frames.next("connection_established");
    socket.send(JSON.stringify({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 6*7" } }));
    expect((await frames.next("agent_completed")).payload.result).toBe("6*7 = 42");
    socket.close();
  });

  it("sends the browser back with provider_unavailable, not a hang, when the provider goes down mid-sign-in", async () => {
    const { callback, cookie } = await approvedCallback(`e2e-down-${crypto.randomUUID()}@example.com`);
    await provider.stop();
    const { page, fragment } = await followCallback(callback, cookie);
    expect(page).toBe(`${backend.origin}/`);
    expect(fragment.get("error")).toBe("provider_unavailable");
    expect(fragment.has("handoff")).toBe(false);
  });
});
