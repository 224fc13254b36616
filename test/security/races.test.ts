import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthClient, memoryTokenStore } from "../../client/index.js";
import {
  errorOf,
  freshClientIp,
  getWithBearer,
  ORIGIN,
  postJson,
  postWithBearer,
  registerUser,
  uniqueEmail,
  type TokenResponse,
} from "../support/http.js";
import { openSession, openSocket } from "../support/ws.js";
import { framesOfType } from "../support/frames.js";

/**
 * Races: two uses of one refresh token at once (and one past the grace period), one message id sent on two sockets of a session
 * at once, a logout in the middle of a run, and two tabs refreshing one session at once.
 */
const refresh = (token: string) => postJson(exports.default, "/auth/refresh", { refresh_token: token });

describe("one refresh token presented twice at once", () => {
  it("rotates it once: both get the one successor within the grace period, and the session lives", async () => {
    const user = await registerUser(exports.default);
    const answers = await Promise.all([refresh(user.refresh_token), refresh(user.refresh_token)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const [first, second] = (await Promise.all(answers.map((answer) => answer.json()))) as [TokenResponse, TokenResponse];
    expect(second.refresh_token).toBe(first.refresh_token);
    expect((await getWithBearer(exports.default, "/auth/me", first.access_token)).status).toBe(200);
    expect((await getWithBearer(exports.default, "/auth/me", second.access_token)).status).toBe(200);
    const children = await env.AUTH_DB.prepare("SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ? AND parent_id IS NOT NULL")
      .bind(user.user.id)
      .first<{ n: number }>();
    expect(children?.n).toBe(1);
  });

  it("after the grace period, the second presentation is reuse: the whole session is revoked, the winner's tokens too", async () => {
    const user = await registerUser(exports.default);
    const won = (await (await refresh(user.refresh_token)).json()) as TokenResponse;
    await env.AUTH_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - 31000 WHERE user_id = ? AND used_at IS NOT NULL")
      .bind(user.user.id)
      .run();
    const late = await refresh(user.refresh_token);
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("invalid_refresh_token");
    const me = await getWithBearer(exports.default, "/auth/me", won.access_token);
    expect((await errorOf(me)).code).toBe("token_revoked");
    expect((await refresh(won.refresh_token)).status).toBe(401);
    const session = await env.AUTH_DB.prepare("SELECT revoked_reason FROM sessions WHERE user_id = ?")
      .bind(user.user.id)
      .first<{ revoked_reason: string }>();
    expect(session?.revoked_reason).toBe("refresh_token_reuse");
  });
});

describe("one message id on two sockets of a session at once", () => {
  it("runs once: one stored message, one run, one ack marked duplicate", async () => {
    const { socket: first, tokens } = await openSession(exports.default);
    const second = await openSocket(exports.default, { token: tokens.access_token });
    await second.next("connection_established");
    const frame = { type: "user_message", id: "twice", payload: { content: "what is 3*3" } };
    first.send(frame);
    second.send(frame);
    const seen = await first.until(
      (frames) =>
        frames.filter((each) => each.reply_to === "twice" && each.type === "ack").length === 2 &&
        frames.some((each) => each.type === "agent_completed"),
    );
    const run = seen.filter((each) => each.reply_to === "twice");
    expect(
      framesOfType(run, "ack")
        .map((ack) => ack.payload.duplicate)
        .sort(),
    ).toEqual([false, true]);
    expect(run.filter((each) => each.type === "agent_started")).toHaveLength(1);
    expect(run.filter((each) => each.type === "agent_completed")).toHaveLength(1);
    const rows = await env.APP_DB.prepare(
      "SELECT (SELECT COUNT(*) FROM messages WHERE user_id = ?1 AND client_id = 'twice') AS messages, (SELECT COUNT(*) FROM agent_runs WHERE user_id = ?1) AS runs",
    )
      .bind(tokens.user.id)
      .first<{ messages: number; runs: number }>();
    expect(rows).toEqual({ messages: 1, runs: 1 });
    first.close();
    second.close();
  });
});

describe("a logout in the middle of a run", () => {
  it("closes the session's socket with 4003 and stops the run: its row ends cancelled (session_revoked), no full reply stored", async () => {
    const { socket, tokens } = await openSession(exports.default);
    socket.send({ type: "user_message", id: "during-logout", payload: { content: "what is 12 * (3 + 4)?" } });
    await socket.next("agent_started");
    expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
    expect((await socket.closed()).code).toBe(4003);
    const run = () =>
      env.APP_DB.prepare("SELECT status, error FROM agent_runs WHERE user_id = ?")
        .bind(tokens.user.id)
        .first<{ status: string; error: string }>();
    await expect.poll(run).toEqual({ status: "cancelled", error: "session_revoked" });
    // The demo agent's whole answer names the result; a cut-short run stores at most what it had written.
    const replies = await env.APP_DB.prepare("SELECT content FROM messages WHERE user_id = ? AND role = 'assistant'")
      .bind(tokens.user.id)
      .all<{ content: string }>();
    expect(replies.results.filter((reply) => reply.content.includes("84"))).toEqual([]);
    const again = await openSocket(exports.default, { token: tokens.access_token });
    expect((await again.closed()).code).toBe(4003);
  });
});

describe("two tabs refreshing one session at once", () => {
  /** What browsers give every tab of an origin: one lock manager. workerd has none, so a small one. */
  const navigator = (globalThis as unknown as { navigator: { locks?: unknown } }).navigator;
  const originalLocks = navigator.locks;
  beforeAll(() => {
    let queue: Promise<unknown> = Promise.resolve();
    const locks = {
      request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
        const turn = queue.then(callback, callback);
        queue = turn.catch(() => undefined);
        return turn;
      },
    };
    Object.defineProperty(navigator, "locks", { value: locks, configurable: true });
  });
  afterAll(() => {
    Object.defineProperty(navigator, "locks", { value: originalLocks, configurable: true });
  });

  it("refreshes once across the tabs, and the session survives (no reuse)", async () => {
    const refreshes = { count: 0 };
    const store = memoryTokenStore();
    const tab = () =>
      createAuthClient({
        baseUrl: ORIGIN,
        store,
        fetch: (url, init) => {
          if (url.endsWith("/auth/refresh")) refreshes.count += 1;
          return exports.default.fetch(url, { ...init, headers: { ...init?.headers, "CF-Connecting-IP": freshClientIp() } });
        },
      });
    const [first, second] = [tab(), tab()];
    await first.register({ email: uniqueEmail("tabs"), password: "correct horse battery staple", name: "Tabs" });
    const warned = await first.accessToken();
    const [fromFirst, fromSecond] = await Promise.all([
      first.accessToken({ replacing: warned }),
      second.accessToken({ replacing: warned }),
    ]);
    expect(refreshes.count).toBe(1);
    expect(fromSecond).toBe(fromFirst);
    expect((await getWithBearer(exports.default, "/auth/me", fromFirst ?? "")).status).toBe(200);
  });
});
