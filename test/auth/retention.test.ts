import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import authWorker from "../../workers/demo/auth.js";
import { countRows } from "../support/auth-db.js";
import { postJson, registerUser, uniqueEmail, type TokenResponse } from "../support/http.js";

/**
 * The cron's retention purge (docs/architecture.md, Environments): what has stopped mattering for longer than
 * RETENTION_DAYS (30 in the tests) goes; what is live, or ended recently, stays.
 */
const db = env.AUTH_DB;
const DAY_MS = 24 * 3600 * 1000;
const longAgo = () => Date.now() - 31 * DAY_MS;
const recently = () => Date.now() - DAY_MS;

async function runCron() {
  const ctx = createExecutionContext();
  await authWorker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const run = (sql: string, ...params: unknown[]) =>
  db
    .prepare(sql)
    .bind(...params)
    .run();

async function outboxRow(fields: { deliveredAt: number | null; createdAt: number; attempts: number }): Promise<string> {
  const id = crypto.randomUUID();
  await run(
    "INSERT INTO session_sync_outbox (id, kind, user_id, session_ids, reason, created_at, attempts, delivered_at) VALUES (?, 'revoke_session', 'u', '[]', 'logout', ?, ?, ?)",
    id,
    fields.createdAt,
    fields.attempts,
    fields.deliveredAt,
  );
  return id;
}

async function signInRow(expiresAt: number): Promise<string> {
  const id = crypto.randomUUID();
  await run(
    "INSERT INTO oauth_logins (id, provider, browser_binding_hash, code_verifier, redirect_uri, return_to, created_at, expires_at) VALUES (?, 'dev', 'h', 'v', 'http://localhost/cb', 'http://localhost/', ?, ?)",
    id,
    expiresAt - 600_000,
    expiresAt,
  );
  return id;
}

describe("the retention purge", () => {
  it("removes ended sessions, spent tokens, old sync rows and sign-ins past the window, and keeps everything else", async () => {
    const revokedLongAgo = await registerUser(exports.default);
    await run("UPDATE sessions SET revoked_at = ?, revoked_reason = 'logout' WHERE user_id = ?", longAgo(), revokedLongAgo.user.id);
    const expiredLongAgo = await registerUser(exports.default);
    await run("UPDATE sessions SET expires_at = ? WHERE user_id = ?", longAgo(), expiredLongAgo.user.id);
    await run("UPDATE refresh_tokens SET expires_at = ? WHERE user_id = ?", longAgo(), expiredLongAgo.user.id);
    const revokedRecently = await registerUser(exports.default);
    await run("UPDATE sessions SET revoked_at = ?, revoked_reason = 'logout' WHERE user_id = ?", recently(), revokedRecently.user.id);

    // A live session with a long-expired spent token, a used one still within its life, and the current one.
    const live = await registerUser(exports.default);
    const second = (await (
      await postJson(exports.default, "/auth/refresh", { refresh_token: live.refresh_token })
    ).json()) as TokenResponse;
    await postJson(exports.default, "/auth/refresh", { refresh_token: second.refresh_token });
    await run("UPDATE refresh_tokens SET expires_at = ? WHERE user_id = ? AND parent_id IS NULL", longAgo(), live.user.id);

    const deliveredLongAgo = await outboxRow({ deliveredAt: longAgo(), createdAt: longAgo(), attempts: 0 });
    const deliveredRecently = await outboxRow({ deliveredAt: recently(), createdAt: recently(), attempts: 0 });
    const pendingOld = await outboxRow({ deliveredAt: null, createdAt: longAgo(), attempts: 3 });
    const givenUpOld = await outboxRow({ deliveredAt: null, createdAt: longAgo(), attempts: 100 });
    const signInExpiredDaysAgo = await signInRow(Date.now() - 2 * DAY_MS);
    const signInExpiredRecently = await signInRow(Date.now() - 3600_000);

    // Mailed tokens expired a day ago go (used or not); failed-sign-in counts whose window is over go.
    await run("UPDATE email_tokens SET expires_at = ? WHERE user_id = ?", Date.now() - 2 * DAY_MS, expiredLongAgo.user.id);
    const staleKey = uniqueEmail("stale").toLowerCase();
    const freshKey = uniqueEmail("fresh").toLowerCase();
    await run(
      "INSERT INTO login_failures (email_normalized, failures, window_started_at) VALUES (?, 3, ?), (?, 3, ?)",
      staleKey,
      Date.now() - DAY_MS,
      freshKey,
      Date.now(),
    );

    await runCron();

    const sessionsOf = (user: TokenResponse) => countRows(db, "sessions", "user_id = ?", user.user.id);
    const tokensOf = (user: TokenResponse) => countRows(db, "refresh_tokens", "user_id = ?", user.user.id);
    expect([await sessionsOf(revokedLongAgo), await tokensOf(revokedLongAgo)]).toEqual([0, 0]);
    expect([await sessionsOf(expiredLongAgo), await tokensOf(expiredLongAgo)]).toEqual([0, 0]);
    expect([await sessionsOf(revokedRecently), await tokensOf(revokedRecently)]).toEqual([1, 1]);
    expect(await sessionsOf(live)).toBe(1);
    // The expired first token is gone; the used second one stays until it expires (reuse detection).
    expect(await tokensOf(live)).toBe(2);
    expect(await countRows(db, "refresh_tokens", "user_id = ? AND parent_id IS NULL", live.user.id)).toBe(0);

    const outboxIds = async () =>
      (await db.prepare("SELECT id FROM session_sync_outbox").all<{ id: string }>()).results.map((row) => row.id);
    const remaining = await outboxIds();
    expect(remaining).not.toContain(deliveredLongAgo);
    expect(remaining).not.toContain(givenUpOld);
    expect(remaining).toEqual(expect.arrayContaining([deliveredRecently, pendingOld]));
    expect(await countRows(db, "oauth_logins", "id = ?", signInExpiredDaysAgo)).toBe(0);
    expect(await countRows(db, "oauth_logins", "id = ?", signInExpiredRecently)).toBe(1);
    expect(await countRows(db, "email_tokens", "user_id = ?", expiredLongAgo.user.id)).toBe(0);
    expect(await countRows(db, "email_tokens", "user_id = ?", live.user.id)).toBe(1);
    expect(await countRows(db, "login_failures", "email_normalized = ?", staleKey)).toBe(0);
    expect(await countRows(db, "login_failures", "email_normalized = ?", freshKey)).toBe(1);
  });
});
