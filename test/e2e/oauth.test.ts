import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import type { RunningWrangler } from "../support/node/wrangler-dev.js";
import { appSignIn, approvedCallback, followCallback } from "../support/node/provider-sign-in.js";
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

  const origins = () => ({ app: backend.origin, provider: provider.origin });

  it("start → the provider's form → callback → back to the page with a handoff code → tokens that open /ws", async () => {
    const app = appSignIn();
    const { callback, cookie, formHtml } = await approvedCallback(origins(), app, {
      email: `e2e-oidc-${crypto.randomUUID()}@example.com`,
      name: "E2E Oidc",
    });
    expect(callback.origin).toBe(backend.origin);
    expect(formHtml).toMatch(/<form method="post"[\s\S]*name="email"/);
    const { page, fragment } = await followCallback(callback, cookie);
    expect(page).toBe(`${backend.origin}/`);
    const exchanged = await fetch(`${backend.origin}/auth/oauth/handoff`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: backend.origin },
      body: JSON.stringify({ code: fragment.get("handoff"), verifier: app.verifier }),
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
    const { callback, cookie } = await approvedCallback(origins(), appSignIn(), {
      email: `e2e-down-${crypto.randomUUID()}@example.com`,
      name: "Down",
    });
    await provider.stop();
    const { page, fragment } = await followCallback(callback, cookie);
    expect(page).toBe(`${backend.origin}/`);
    expect(fragment.get("error")).toBe("provider_unavailable");
    expect(fragment.has("handoff")).toBe(false);
  });
});
