import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import type { RunningWrangler } from "../support/node/wrangler-dev.js";
import { FrameCollector } from "../support/node/ws-client.js";

/**
 * The token lifecycle with real time and real processes: the two Workers run as two `wrangler
 * dev` processes (so each takes its own short settings), joined by a private dev registry.
 * Access tokens live 8 s and sockets are warned 5 s before expiry.
 */
const ACCESS_TOKEN_TTL_SECONDS = 8;

describe("tokens expiring, refreshed and revoked across a live socket", () => {
  let stack: LocalStack;
  let auth: RunningWrangler;
  let backend: RunningWrangler;

  beforeAll(async () => {
    stack = await startLocalStack({
      authVars: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) },
      backendVars: { TOKEN_REFRESH_LEAD_SECONDS: "5" },
    });
    ({ auth, backend } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${backend.origin}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  async function register(): Promise<{ access_token: string; refresh_token: string }> {
    const response = await post("/auth/register", {
      email: `life-${crypto.randomUUID()}@example.com`,
      password: "correct horse battery",
      name: "Life",
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { access_token: string; refresh_token: string };
  }

  async function connect(token: string): Promise<{ socket: WebSocket; frames: FrameCollector; expiresAtMs: number }> {
    // Closes started by the object outside a socket event (revocation, expiry alarm) reach Node's
    // client as a close frame at once, but its `close` event waits ~10 s for the TCP end under
    // wrangler dev; allow for that in the collector and time the close frame separately.
    const socket = new WebSocket(`${backend.origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${token}`]);
    const frames = new FrameCollector(socket, 25_000);
    const hello = await frames.next("connection_established");
    return { socket, frames, expiresAtMs: Date.parse(String(hello.payload.token_expires_at)) };
  }

  it("warns before expiry, takes a fresh token in-band, and keeps the socket past the old expiry", async () => {
    let tokens = await register();
    const { socket, frames, expiresAtMs: firstExpiry } = await connect(tokens.access_token);
    // Refresh on every warning until a warning arrives after the first token's expiry.
    for (;;) {
      const warning = await frames.next("token_expiring");
      if (Date.parse(String(warning.timestamp)) > firstExpiry) break;
      const refreshed = await post("/auth/refresh", { refresh_token: tokens.refresh_token });
      tokens = (await refreshed.json()) as typeof tokens;
      socket.send(JSON.stringify({ type: "auth_refresh", id: crypto.randomUUID(), payload: { token: tokens.access_token } }));
      const ok = await frames.next("auth_refreshed");
      expect(Date.parse(String(ok.payload.token_expires_at))).toBeGreaterThan(firstExpiry - 1);
    }
    expect(Date.now()).toBeGreaterThan(firstExpiry);
    socket.send(JSON.stringify({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 20+22" } }));
    expect((await frames.next("agent_completed")).payload.result).toBe("20+22 = 42");
    socket.close();
  });

  it("closes with 4001 when the token expires without a refresh", async () => {
    const tokens = await register();
    const { frames } = await connect(tokens.access_token);
    await frames.next("token_expiring");
    const closed = await frames.closed();
    expect(closed.code).toBe(4001);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "token_expired" });
  });

  it("tells a client that only connected of a logout made elsewhere within a second: session_revoked, then 4003", async () => {
    const tokens = await register();
    const { socket } = await connect(tokens.access_token);
    // This client never sends a frame: the case where workerd completes the close ~10 s late
    // (docs/deploy.md, known issues). The frame before the close must reach it within a second regardless.
    const withinASecond = new FrameCollector(socket, 1000);
    expect((await post("/auth/logout", {}, tokens.access_token)).status).toBe(204);
    expect((await withinASecond.next("session_revoked")).payload).toEqual({ reason: "logout" });
    const closed = await new FrameCollector(socket, 25_000).closed();
    expect(closed.code).toBe(4003);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "session_revoked" });
  });

  it("completes the close itself within a second for a client that has sent a frame", async () => {
    const tokens = await register();
    const { socket, frames } = await connect(tokens.access_token);
    socket.send(JSON.stringify({ type: "ping", id: "once", payload: {} }));
    await frames.next("pong");
    const withinASecond = new FrameCollector(socket, 1000);
    expect((await post("/auth/logout", {}, tokens.access_token)).status).toBe(204);
    expect((await withinASecond.closed()).code).toBe(4003);
    expect(withinASecond.types()).toEqual(["session_revoked"]);
  });

  it("keeps serving when auth goes down: cached users, open sockets, degraded checks, the breaker open", async () => {
    const cached = await register();
    const { socket, frames } = await connect(cached.access_token);
    const me = (token: string) => fetch(`${backend.origin}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await me(cached.access_token)).status).toBe(200);
    const strangers = await Promise.all(Array.from({ length: 5 }, () => register()));

    await auth.stop();
    for (const stranger of strangers) {
      const response = await me(stranger.access_token);
      expect(response.status).toBe(200);
      expect(response.headers.get("X-Auth-Degraded")).toBe("1");
    }
    const health = (await (await fetch(`${backend.origin}/health`)).json()) as { auth: { breaker: string } };
    expect(health.auth.breaker).toBe("open");
    const fromCache = await me(cached.access_token);
    expect(fromCache.status).toBe(200);
    expect(fromCache.headers.get("X-Auth-Degraded")).toBeNull();
    socket.send(JSON.stringify({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 2*21" } }));
    expect((await frames.next("agent_completed")).payload.result).toBe("2*21 = 42");
    socket.close();
  });
});
