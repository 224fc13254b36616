import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { seedServiceClient } from "../support/auth-db.js";
import { postJson, postWithBearer, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";

/**
 * AuthService.liveSessionIds: the backend's fan-out of a published event asks the auth Worker,
 * which owns sessions, for a user's live ones (docs/notifications.md).
 */
const db = env.AUTH_DB;
const rpc = exports.AuthService;

async function tokenFor(permissions: string[]) {
  const client = await seedServiceClient(db, { permissions });
  const grant = await rpc.issueServiceToken(client.id, client.secret);
  if (!grant.ok) throw new Error(grant.error.code);
  return grant.value.access_token;
}

const sidOf = (tokens: TokenResponse) => (decodeJwt(tokens.access_token) as { sid: string }).sid;

async function signInAgain(tokens: TokenResponse): Promise<TokenResponse> {
  return (await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: STRONG_PASSWORD })).json();
}

describe("AuthService.liveSessionIds", () => {
  it("names the user's sessions that are neither revoked nor expired", async () => {
    const token = await tokenFor(["users:read"]);
    const first = await registerUser(exports.default);
    const expired = await signInAgain(first);
    const loggedOut = await signInAgain(first);
    await db
      .prepare("UPDATE sessions SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, sidOf(expired))
      .run();
    expect((await postWithBearer(exports.default, "/auth/logout", loggedOut.access_token)).status).toBe(204);
    expect(await rpc.liveSessionIds(token, first.user.id, null)).toEqual({
      ok: true,
      value: { session_ids: [sidOf(first)], next_after: null },
    });
  });

  it("pages any number of sessions 100 at a time, in id order, each once", async () => {
    const token = await tokenFor(["users:read"]);
    const user = await registerUser(exports.default);
    const nowMs = Date.now();
    const rows = Array.from({ length: 149 }, () =>
      db
        .prepare("INSERT INTO sessions (id, user_id, created_at, last_activity_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(crypto.randomUUID(), user.user.id, nowMs, nowMs, nowMs + 3_600_000),
    );
    await db.batch(rows);
    const first = await rpc.liveSessionIds(token, user.user.id, null);
    if (!first.ok) throw new Error(first.error.code);
    expect(first.value.session_ids).toHaveLength(100);
    expect(first.value.next_after).toBe(first.value.session_ids.at(-1));
    const second = await rpc.liveSessionIds(token, user.user.id, first.value.next_after);
    if (!second.ok) throw new Error(second.error.code);
    expect(second.value).toEqual({ session_ids: expect.any(Array), next_after: null });
    const all = [...first.value.session_ids, ...second.value.session_ids];
    expect(all).toHaveLength(150);
    expect(new Set(all).size).toBe(150);
    expect(all).toEqual([...all].sort());
    expect(all).toContain(sidOf(user));
  });

  it("answers an unknown user with no sessions", async () => {
    const token = await tokenFor(["users:read"]);
    expect(await rpc.liveSessionIds(token, `nobody-${crypto.randomUUID()}`, null)).toEqual({
      ok: true,
      value: { session_ids: [], next_after: null },
    });
  });

  it("needs users:read, and a service token", async () => {
    const user = await registerUser(exports.default);
    const without = await tokenFor(["tokens:validate"]);
    expect(await rpc.liveSessionIds(without, user.user.id, null)).toMatchObject({ ok: false, error: { code: "permission_denied" } });
    expect(await rpc.liveSessionIds(user.access_token, user.user.id, null)).toMatchObject({
      ok: false,
      error: { code: "invalid_service" },
    });
  });
});

describe("the liveSessionIds query", () => {
  it("reads the user's rows through their index, never the whole table", async () => {
    // The statement drizzle writes for AuthService.liveSessionIds (workers/auth/auth-service.ts).
    const plan = await db
      .prepare(
        `EXPLAIN QUERY PLAN select "id" from "sessions" where ("sessions"."user_id" = ? and "sessions"."revoked_at" is null and "sessions"."expires_at" > ? and "sessions"."id" > ?) order by "sessions"."id" asc limit ?`,
      )
      .bind("u", 0, "", 101)
      .all<{ detail: string }>();
    expect(plan.results.map((row) => row.detail).join("\n")).toMatch(/sessions_user_id_idx/);
  });
});
