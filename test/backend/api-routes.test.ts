import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, getWithBearer, ORIGIN, postWithBearer, registerUser, type TokenResponse } from "../support/http.js";
import { openSocket } from "../support/ws.js";

const appDb = env.APP_DB;

/** Runs messages over a socket so the user has a thread with messages; returns the thread id. */
async function threadWith(tokens: TokenResponse, contents: string[]): Promise<string> {
  const socket = await openSocket(exports.default, { token: tokens.access_token });
  await socket.next("connection_established");
  socket.send({ type: "create_thread", id: "t", payload: { name: "API" } });
  const threadId = (await socket.next("thread_created")).thread_id as string;
  for (const [index, content] of contents.entries()) {
    socket.send({ type: "user_message", id: `m${index}`, payload: { content, thread_id: threadId } });
    await socket.next("agent_completed");
  }
  socket.close();
  return threadId;
}

describe("GET /api/me", () => {
  it("provisions the user mirror on first sight and answers again after", async () => {
    const tokens = await registerUser(exports.default);
    expect(await appDb.prepare("SELECT COUNT(*) AS n FROM users WHERE id = ?").bind(tokens.user.id).first("n")).toBe(0);
    for (let call = 0; call < 2; call += 1) {
      const response = await getWithBearer(exports.default, "/api/me", tokens.access_token);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ user: { id: tokens.user.id, email: tokens.user.email, name: tokens.user.name } });
    }
    expect(await appDb.prepare("SELECT COUNT(*) AS n FROM users WHERE id = ?").bind(tokens.user.id).first("n")).toBe(1);
  });

  it("refuses at once a token cached as valid whose session was logged out through this backend", async () => {
    const tokens = await registerUser(exports.default);
    expect((await getWithBearer(exports.default, "/api/me", tokens.access_token)).status).toBe(200);
    expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
    const after = await getWithBearer(exports.default, "/api/me", tokens.access_token);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe("token_revoked");
  });

  it("answers 401 in the JSON error shape without a token or with a bad one", async () => {
    const bare = await exports.default.fetch(`${ORIGIN}/api/me`);
    expect(bare.status).toBe(401);
    expect((await errorOf(bare)).code).toBe("invalid_token");
    const garbage = await getWithBearer(exports.default, "/api/me", "garbage");
    expect(garbage.status).toBe(401);
  });
});

describe("GET /api/session", () => {
  it("describes the caller's validated session", async () => {
    const tokens = await registerUser(exports.default);
    const response = await getWithBearer(exports.default, "/api/session", tokens.access_token);
    expect(await response.json()).toMatchObject({ user_id: tokens.user.id, email: tokens.user.email, expires_at: expect.any(String) });
  });
});

describe("threads over HTTP", () => {
  it("lists the caller's threads only", async () => {
    const alice = await registerUser(exports.default);
    const bob = await registerUser(exports.default);
    const aliceThread = await threadWith(alice, []);
    const bobThread = await threadWith(bob, []);
    const listed = (await (await getWithBearer(exports.default, "/api/threads", alice.access_token)).json()) as {
      threads: Array<{ id: string }>;
    };
    expect(listed.threads.map((thread) => thread.id)).toEqual([aliceThread]);
    expect(listed.threads.map((thread) => thread.id)).not.toContain(bobThread);
  });

  it("returns a thread's messages oldest first, and 404 for someone else's or a missing thread", async () => {
    const alice = await registerUser(exports.default);
    const bob = await registerUser(exports.default);
    const threadId = await threadWith(alice, ["what is 1+1"]);
    const own = await getWithBearer(exports.default, `/api/threads/${threadId}/messages`, alice.access_token);
    const body = (await own.json()) as { messages: Array<{ role: string; content: string }>; next_before: string | null };
    expect(body.messages.map((message) => [message.role, message.content])).toEqual([
      ["user", "what is 1+1"],
      ["assistant", "1+1 = 2"],
    ]);
    expect(body.next_before).toBeNull();
    for (const path of [`/api/threads/${threadId}/messages`, `/api/threads/${crypto.randomUUID()}/messages`]) {
      const response = await getWithBearer(exports.default, path, bob.access_token);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe("not_found");
    }
  });

  it("pages backwards with limit and next_before", async () => {
    const alice = await registerUser(exports.default);
    const threadId = await threadWith(alice, ["what is 1+1", "what is 2+2"]);
    const page = async (query: string) =>
      (await (await getWithBearer(exports.default, `/api/threads/${threadId}/messages${query}`, alice.access_token)).json()) as {
        messages: Array<{ content: string }>;
        next_before: string | null;
      };
    const newest = await page("?limit=1");
    expect(newest.messages.map((message) => message.content)).toEqual(["2+2 = 4"]);
    expect(newest.next_before).toEqual(expect.any(String));
    const older = await page(`?limit=2&before=${encodeURIComponent(newest.next_before ?? "")}`);
    expect(older.messages.map((message) => message.content)).toEqual(["1+1 = 2", "what is 2+2"]);
    const oldest = await page(`?limit=2&before=${encodeURIComponent(older.next_before ?? "")}`);
    expect(oldest.messages.map((message) => message.content)).toEqual(["what is 1+1"]);
    expect(oldest.next_before).toBeNull();
  });

  it.each(["?limit=0", "?limit=abc", "?limit=500", `?before=${"x".repeat(65)}`, "?before=yesterday", "?limit=1.5", "?page=2"])(
    "refuses the query %s with 400",
    async (query) => {
      const alice = await registerUser(exports.default);
      const response = await getWithBearer(exports.default, `/api/threads${query}`, alice.access_token);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe("validation_failed");
    },
  );
});
