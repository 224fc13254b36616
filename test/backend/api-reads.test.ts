import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import backendApp from "../../workers/demo/backend.js";
import { forgeToken } from "../support/forge.js";
import { getWithBearer, ORIGIN, type FetchTarget } from "../support/http.js";
import { recordingD1 } from "../support/query-recorder.js";
import { openSession } from "../support/ws.js";

/**
 * @module
 * What `/api` asks D1: history reads through the Sessions API (read replicas in production) with
 * a bookmark a client can send back, and `/api/me` with no round trip once this isolate has
 * written the token's values to the user mirror.
 */

const BOOKMARK = "X-Tether-Bookmark";

/** The backend app over `env` with its app database recorded. */
function recordedBackend() {
  const recorder = recordingD1(env.APP_DB);
  const backend: FetchTarget = {
    fetch: async (input, init) => backendApp.fetch(new Request(input, init), { ...env, APP_DB: recorder.db }),
  };
  return { backend, statements: recorder.statements };
}

function getWith(token: string, path: string, headers: Record<string, string>) {
  return exports.default.fetch(`${ORIGIN}${path}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
}

describe("history reads over HTTP", () => {
  it("answer with a bookmark, and a client sending it back reads the same history", async () => {
    const { socket, tokens } = await openSession(exports.default);
    socket.send({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 1+1" } });
    const { thread_id } = await socket.next("ack");
    await socket.next("agent_completed");
    socket.close();

    const first = await getWithBearer(exports.default, "/api/threads", tokens.access_token);
    expect(first.status).toBe(200);
    const bookmark = first.headers.get(BOOKMARK);
    expect(bookmark).toEqual(expect.any(String));
    const threads = (await first.json()) as { threads: Array<{ id: string }> };
    expect(threads.threads.map((thread) => thread.id)).toEqual([thread_id]);

    const again = await getWith(tokens.access_token, "/api/threads", { [BOOKMARK]: bookmark ?? "" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as typeof threads).threads.map((thread) => thread.id)).toEqual([thread_id]);
    const messages = await getWith(tokens.access_token, `/api/threads/${thread_id}/messages`, { [BOOKMARK]: bookmark ?? "" });
    expect(messages.status).toBe(200);
    expect(messages.headers.get(BOOKMARK)).toEqual(expect.any(String));
    expect(((await messages.json()) as { messages: Array<{ role: string }> }).messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
    ]);
  });

  it("ignore a bookmark that is not one (too long, wrong characters, made up): served from any replica, never an error", async () => {
    const { tokens } = await openSession(exports.default);
    for (const junk of ["x".repeat(201), "not a bookmark", "0000000a-ffffffff-forged", ""]) {
      const response = await getWith(tokens.access_token, "/api/threads", { [BOOKMARK]: junk });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ threads: [], next_before: null });
    }
  });
});

describe("GET /api/me", () => {
  it("writes the user mirror once per isolate, and again only when the token's values change", async () => {
    const { tokens } = await openSession(exports.default);
    const { backend, statements } = recordedBackend();
    const first = await getWithBearer(backend, "/api/me", tokens.access_token);
    expect(first.status).toBe(200);
    const me = (await first.json()) as { user: { id: string; name: string; created_at: string } };
    expect(statements.length).toBeGreaterThan(0);

    statements.length = 0;
    const repeat = await getWithBearer(backend, "/api/me", tokens.access_token);
    expect(await repeat.json()).toEqual(me);
    expect(statements).toEqual([]);

    // A token naming the user differently (a rename since) writes it and answers with it.
    const renamed = await forgeToken(env.AUTH_DB, tokens.access_token, { name: "Renamed Person" });
    const after = (await (await getWithBearer(backend, "/api/me", renamed)).json()) as typeof me;
    expect(after.user).toEqual({ ...me.user, name: "Renamed Person" });
    expect(statements.length).toBeGreaterThan(0);
    const row = await env.APP_DB.prepare("SELECT name FROM users WHERE id = ?").bind(me.user.id).first("name");
    expect(row).toBe("Renamed Person");
  });
});
