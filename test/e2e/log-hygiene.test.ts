import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import { FrameCollector } from "../support/node/ws-client.js";

/**
 * docs/architecture.md, Environments: one structured JSON line per request and per socket lifecycle event, and
 * never a token, a password or a secret. A full flow runs against both Workers in `wrangler dev`
 * with canary values — a password, the backend's service secret, every token handed out, tokens
 * made up to be refused, the user's email address and the tokens mailed to it — and the
 * processes' whole output is searched for each of them.
 */
describe("the logs of a full flow", () => {
  let stack: LocalStack;
  const canaries: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startLocalStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${stack.origin}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it("carry a structured line per request and socket event, and none of the canaries", async () => {
    canaries.password = `canary-password-${crypto.randomUUID()}`;
    canaries.wrongPassword = `canary-wrong-${crypto.randomUUID()}`;
    canaries.serviceSecret = stack.serviceSecret;
    canaries.junkToken = `canary.junk.${crypto.randomUUID().replaceAll("-", "")}`;
    const email = `logs-${crypto.randomUUID()}@example.com`;
    canaries.email = email;

    const registered = (await (await post("/auth/register", { email, password: canaries.password, name: "Logs" })).json()) as {
      access_token: string;
      refresh_token: string;
    };
    canaries.registerAccess = registered.access_token;
    canaries.registerRefresh = registered.refresh_token;
    expect((await post("/auth/login", { email, password: canaries.wrongPassword })).status).toBe(401);
    const login = (await (await post("/auth/login", { email, password: canaries.password })).json()) as {
      access_token: string;
      refresh_token: string;
    };
    canaries.loginRefresh = login.refresh_token;
    const refreshed = (await (await post("/auth/refresh", { refresh_token: login.refresh_token })).json()) as {
      access_token: string;
      refresh_token: string;
    };
    canaries.access = refreshed.access_token;
    canaries.refresh = refreshed.refresh_token;
    expect((await fetch(`${stack.origin}/api/me`, { headers: { Authorization: `Bearer ${refreshed.access_token}` } })).status).toBe(200);
    expect((await fetch(`${stack.origin}/api/me`, { headers: { Authorization: `Bearer ${canaries.junkToken}` } })).status).toBe(401);
    const grant = (await (
      await post("/auth/service-token", { service_id: "tether-backend", service_secret: stack.serviceSecret })
    ).json()) as { access_token: string };
    canaries.serviceToken = grant.access_token;
    expect((await post("/auth/validate", { token: refreshed.access_token }, grant.access_token)).status).toBe(200);

    const socket = new WebSocket(`${stack.origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${refreshed.access_token}`]);
    const frames = new FrameCollector(socket);
    await frames.next("connection_established");
    socket.send(JSON.stringify({ type: "auth_refresh", id: "r", payload: { token: registered.access_token } }));
    await frames.next("error");
    socket.send(JSON.stringify({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 6*7" } }));
    await frames.next("agent_completed");
    const junk = new WebSocket(`${stack.origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${canaries.junkToken}`]);
    expect((await new FrameCollector(junk).closed()).code).toBe(4401);
    expect((await post("/auth/logout", {}, refreshed.access_token)).status).toBe(204);
    await frames.next("session_revoked");
    expect((await post("/auth/logout-all", {}, registered.access_token)).status).toBe(204);

    // The mailed tokens: the address proved, a reset asked for (mailed after the answer) and done.
    const mailbox = async () => {
      const response = await fetch(`${stack.origin}/auth/dev/mailbox?email=${encodeURIComponent(email)}`);
      return ((await response.json()) as { messages: Array<{ subject: string; token: string }> }).messages;
    };
    canaries.verificationToken = (await mailbox()).find((mail) => /confirm/i.test(mail.subject))?.token ?? "";
    expect((await post("/auth/email/verify", { token: canaries.verificationToken })).status).toBe(200);
    expect((await post("/auth/password/reset/request", { email })).status).toBe(202);
    await expect.poll(async () => (await mailbox()).some((mail) => /reset/i.test(mail.subject))).toBe(true);
    canaries.resetToken = (await mailbox()).find((mail) => /reset/i.test(mail.subject))?.token ?? "";
    canaries.newPassword = `canary-new-password-${crypto.randomUUID()}`;
    expect((await post("/auth/password/reset", { token: canaries.resetToken, password: canaries.newPassword })).status).toBe(204);

    await stack.stop();
    const logs = `${stack.auth.output()}\n${stack.backend.output()}`;
    const lines = logs
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("{"));
    const events = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as { event?: string; service?: string; route?: string; status?: number; request_id?: string }];
      } catch {
        return [];
      }
    });
    const requests = events.filter((entry) => entry.event === "request");
    expect(requests.filter((entry) => entry.service === "auth").length).toBeGreaterThan(5);
    expect(requests.filter((entry) => entry.service === "backend").length).toBeGreaterThan(5);
    for (const entry of requests)
      expect(entry).toMatchObject({ request_id: expect.any(String), route: expect.any(String), status: expect.any(Number) });
    // One id per request across both Workers: the backend's forwarded requests log the same one in auth.
    const backendIds = new Set(requests.filter((entry) => entry.service === "backend").map((entry) => entry.request_id));
    expect(requests.filter((entry) => entry.service === "auth").some((entry) => backendIds.has(entry.request_id))).toBe(true);
    expect(events.map((entry) => entry.event)).toEqual(expect.arrayContaining(["socket_connected", "session_revoked", "socket_closed"]));

    for (const [name, value] of Object.entries(canaries)) {
      expect(logs.includes(value), `the ${name} canary appears in the logs`).toBe(false);
      // Parts of a token are as telling as the whole (its signature above all).
      for (const part of value.split(".").filter((segment) => segment.length >= 16)) {
        expect(logs.includes(part), `a part of the ${name} canary appears in the logs`).toBe(false);
      }
    }
  });
});
