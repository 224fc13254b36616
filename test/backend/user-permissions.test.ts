import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, getWithBearer, postJson, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";
import { openSocket } from "../support/ws.js";

/**
 * docs/protocol.md, Tokens: the user permissions in an access token are enforced — `threads:read` for
 * reading threads, `threads:write` to create them or send messages, `agents:run` to start a run.
 * A token without one gets `permission_denied` and nothing is stored.
 */
const authDb = env.AUTH_DB;
const appDb = env.APP_DB;

/** A user whose account holds only `permissions`, signed in afresh so the token carries them. */
async function userWith(permissions: string[]): Promise<TokenResponse> {
  const user = await registerUser(exports.default);
  await authDb.prepare("UPDATE users SET permissions = ? WHERE id = ?").bind(JSON.stringify(permissions), user.user.id).run();
  const login = await postJson(exports.default, "/auth/login", { email: user.user.email, password: STRONG_PASSWORD });
  return login.json();
}

describe("user permissions", () => {
  it("GET /api/threads and a thread's messages need threads:read: 403 permission_denied", async () => {
    const user = await userWith(["threads:write", "agents:run"]);
    for (const path of ["/api/threads", `/api/threads/${crypto.randomUUID()}/messages`]) {
      const response = await getWithBearer(exports.default, path, user.access_token);
      expect(response.status).toBe(403);
      expect((await errorOf(response)).code).toBe("permission_denied");
    }
    // Who am I needs no permission.
    expect((await getWithBearer(exports.default, "/api/session", user.access_token)).status).toBe(200);
  });

  it("a user_message needs agents:run: error permission_denied, nothing stored, the socket stays", async () => {
    const user = await userWith(["threads:read", "threads:write"]);
    const socket = await openSocket(exports.default, { token: user.access_token });
    await socket.next("connection_established");
    socket.send({ type: "user_message", id: "no-run", payload: { content: "what is 1+1" } });
    const refused = await socket.next("error");
    expect(refused).toMatchObject({ reply_to: "no-run", payload: { code: "permission_denied", retryable: false } });
    expect(refused.seq).toBeUndefined();
    const stored = await appDb.prepare("SELECT COUNT(*) AS n FROM messages WHERE user_id = ?").bind(user.user.id).first<{ n: number }>();
    expect(stored?.n).toBe(0);
    socket.send({ type: "list_threads", id: "allowed", payload: {} });
    expect((await socket.next("threads_list")).reply_to).toBe("allowed");
    socket.close();
  });

  it("create_thread needs threads:write and list_threads needs threads:read", async () => {
    const user = await userWith(["agents:run"]);
    const socket = await openSocket(exports.default, { token: user.access_token });
    await socket.next("connection_established");
    socket.send({ type: "create_thread", id: "create", payload: { name: "nope" } });
    expect((await socket.next("error")).payload).toMatchObject({ code: "permission_denied" });
    socket.send({ type: "list_threads", id: "list", payload: {} });
    expect((await socket.next("error")).payload).toMatchObject({ code: "permission_denied" });
    socket.send({ type: "ping", id: "ping", payload: {} });
    expect((await socket.next("pong")).reply_to).toBe("ping");
    socket.close();
  });
});
