import { describe, expect, it } from "vitest";
import {
  createAuthClient,
  memoryTokenStore,
  webStorageTokenStore,
  type KeyValueStorage,
  type TokenResponse,
  type TokenStore,
} from "../../client/index.js";

/**
 * The SDK's auth client and the device token of docs/protocol.md (login limits): against a fetch stub
 * that answers each sign-in with a new device token and records every request body, so a test
 * sees exactly what the SDK sends.
 */
function stubAuthServer() {
  const bodies: Array<{ path: string; body: Record<string, unknown> }> = [];
  let issued = 0;
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const path = new URL(url).pathname;
    bodies.push({ path, body: typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : {} });
    if (path === "/auth/logout") return new Response(null, { status: 204 });
    issued += 1;
    const answer: TokenResponse = {
      user: {
        id: "user-1",
        email: "ada@example.com",
        name: "Ada",
        email_verified: true,
        permissions: [],
        created_at: "2026-01-01T00:00:00.000Z",
        disabled: false,
      },
      access_token: `access-${issued}`,
      refresh_token: `refresh-${issued}`,
      token_type: "Bearer",
      expires_in: 900,
      device_token: `device-${issued}`,
    };
    return Response.json(answer);
  };
  const logins = () => bodies.filter((entry) => entry.path === "/auth/login").map((entry) => entry.body);
  return { fetch, logins };
}

function mapStorage(): KeyValueStorage & { keys(): string[] } {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    keys: () => [...items.keys()],
  };
}

const password = "correct horse battery";

describe("the SDK's device token", () => {
  it("sends no device token on a first sign-in, and the first sign-in's token on the second", async () => {
    const server = stubAuthServer();
    const auth = createAuthClient({ baseUrl: "https://app.example", fetch: server.fetch });
    await auth.login({ email: "ada@example.com", password });
    await auth.login({ email: "ada@example.com", password });
    expect(server.logins()).toEqual([
      { email: "ada@example.com", password },
      { email: "ada@example.com", password, device_token: "device-1" },
    ]);
  });

  it("keeps the device token across sign-out, and not in the session", async () => {
    const server = stubAuthServer();
    const store = memoryTokenStore();
    const auth = createAuthClient({ baseUrl: "https://app.example", fetch: server.fetch, store });
    const session = await auth.login({ email: "ada@example.com", password });
    expect(session).not.toHaveProperty("device_token");
    await auth.logout();
    expect(await auth.session()).toBeNull();
    await auth.login({ email: "ada@example.com", password });
    expect(server.logins()[1]).toMatchObject({ device_token: "device-1" });
  });

  it("finds the account's token from the address however it is typed, and only for that account", async () => {
    const server = stubAuthServer();
    const auth = createAuthClient({ baseUrl: "https://app.example", fetch: server.fetch });
    await auth.register({ email: "ada@example.com", password, name: "Ada" });
    await auth.login({ email: " Ada@EXAMPLE.com ", password });
    await auth.login({ email: "grace@example.com", password });
    expect(server.logins()[0]).toMatchObject({ device_token: "device-1" });
    expect(server.logins()[1]).not.toHaveProperty("device_token");
  });

  it("keeps the latest token in Web Storage under a key of its own, which sign-out leaves", async () => {
    const server = stubAuthServer();
    const storage = mapStorage();
    const auth = createAuthClient({ baseUrl: "https://app.example", fetch: server.fetch, store: webStorageTokenStore(storage) });
    await auth.login({ email: "ada@example.com", password });
    await auth.login({ email: "ada@example.com", password });
    await auth.logout();
    expect(storage.keys()).toEqual(["tether.session.devices"]);
    // A new client on the same storage (a reload) presents the latest token, the second sign-in's.
    const reloaded = createAuthClient({ baseUrl: "https://app.example", fetch: server.fetch, store: webStorageTokenStore(storage) });
    await reloaded.login({ email: "ada@example.com", password });
    expect(server.logins()[2]).toMatchObject({ device_token: "device-2" });
  });

  it("keeps device tokens in memory for a store that cannot hold them", async () => {
    const server = stubAuthServer();
    let kept: unknown = null;
    const sessionOnly: TokenStore = { get: () => null, set: (session) => void (kept = session) };
    const auth = createAuthClient({ baseUrl: "https://app.example", fetch: server.fetch, store: sessionOnly });
    await auth.login({ email: "ada@example.com", password });
    await auth.login({ email: "ada@example.com", password });
    expect(kept).not.toHaveProperty("device_token");
    expect(server.logins()[1]).toMatchObject({ device_token: "device-1" });
  });
});
