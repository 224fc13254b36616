import { createAuthClient } from "@tether/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookupOrder } from "../src/tools/lookup-order.js";
import { signUpAndAsk, startDevServer, type DevServer } from "./dev-server.js";

let app: DevServer;
beforeAll(async () => {
  app = await startDevServer();
});
afterAll(() => app?.stop());

describe("the app", () => {
  it("is healthy", async () => {
    const response = await fetch(`${app.origin}/health`);
    expect(await response.json()).toMatchObject({ status: "ok", service: "backend" });
  });

  it("signs up, opens a socket and streams a run of the assistant to its end", async () => {
    const { completed, frames } = await signUpAndAsk(app, "what is 12 * (3 + 4)?");
    expect(completed.payload).toMatchObject({ status: "completed", result: "12 * (3 + 4) = 84" });
    expect(frames.map((frame) => frame.type)).toEqual(expect.arrayContaining(["agent_started", "tool_executing", "tool_completed"]));
  });

  it("refuses a password shorter than the app's policy", async () => {
    const auth = createAuthClient({ baseUrl: app.origin });
    await expect(
      auth.register({ email: `bo-${crypto.randomUUID()}@example.com`, password: "too-short", name: "Bo" }),
    ).rejects.toMatchObject({
      code: "weak_password",
    });
  });
});

describe("lookup_order", () => {
  it("answers an order's status, and says when there is no such order", async () => {
    expect(await lookupOrder.run({ id: "A-1001" }, { signal: new AbortController().signal })).toEqual({ status: "shipped", items: 2 });
    expect(await lookupOrder.run({ id: "Z-9" }, { signal: new AbortController().signal })).toEqual({ error: "no order Z-9" });
  });
});
