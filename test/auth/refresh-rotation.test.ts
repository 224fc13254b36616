import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { errorOf, getWithBearer, postJson, registerUser, type TokenResponse } from "../support/http.js";

/**
 * docs/protocol.md, Tokens: a rotation is one atomic batch; the same refresh token presented again
 * within REFRESH_REUSE_GRACE_SECONDS (30 in the tests' [env.dev]) gets the same successor, so a
 * lost answer or a retry never logs the user out; after the grace it is reuse and revokes the
 * family; and a session ends SESSION_MAX_AGE_SECONDS after sign-in however often it refreshes.
 */
const db = env.AUTH_DB;
const SESSION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

const refresh = (refreshToken: string) => postJson(exports.default, "/auth/refresh", { refresh_token: refreshToken });

async function refreshed(refreshToken: string): Promise<TokenResponse> {
  const response = await refresh(refreshToken);
  if (response.status !== 200) throw new Error(`refresh failed: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Moves the user's rotations `byMs` into the past, as if that much time had gone by since. */
function ageRotations(userId: string, byMs: number) {
  return db.prepare("UPDATE refresh_tokens SET used_at = used_at - ? WHERE user_id = ? AND used_at IS NOT NULL").bind(byMs, userId).run();
}

const sessionOf = (userId: string) =>
  db.prepare("SELECT revoked_at, revoked_reason, created_at, expires_at FROM sessions WHERE user_id = ?").bind(userId).first<{
    revoked_at: number | null;
    revoked_reason: string | null;
    created_at: number;
    expires_at: number;
  }>();

describe("refresh within the grace period", () => {
  it("gives a retry the same successor, and the session goes on", async () => {
    const user = await registerUser(exports.default);
    const first = await refreshed(user.refresh_token);
    const retry = await refreshed(user.refresh_token);
    expect(retry.refresh_token).toBe(first.refresh_token);
    expect(retry.access_token).not.toBe(first.access_token);
    expect((await sessionOf(user.user.id))?.revoked_at).toBeNull();
    // One child, stored once, and it rotates on normally.
    expect(await countRows(db, "refresh_tokens", "user_id = ?", user.user.id)).toBe(2);
    const next = await refreshed(first.refresh_token);
    expect((await getWithBearer(exports.default, "/auth/me", next.access_token)).status).toBe(200);
  });

  it("gives two presentations at once the one successor", async () => {
    const user = await registerUser(exports.default);
    const answers = await Promise.all([refresh(user.refresh_token), refresh(user.refresh_token), refresh(user.refresh_token)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as TokenResponse[];
    expect(new Set(bodies.map((body) => body.refresh_token)).size).toBe(1);
    expect(await countRows(db, "refresh_tokens", "user_id = ? AND parent_id IS NOT NULL", user.user.id)).toBe(1);
    expect((await sessionOf(user.user.id))?.revoked_at).toBeNull();
  });

  it("treats a retry after the successor was used as reuse: the family and session are revoked", async () => {
    const user = await registerUser(exports.default);
    const second = await refreshed(user.refresh_token);
    const third = await refreshed(second.refresh_token);
    const replay = await refresh(user.refresh_token);
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe("invalid_refresh_token");
    expect((await sessionOf(user.user.id))?.revoked_reason).toBe("refresh_token_reuse");
    expect((await refresh(third.refresh_token)).status).toBe(401);
  });
});

describe("refresh after the grace period", () => {
  it("is reuse: the family and the session are revoked, and the successor stops working", async () => {
    const user = await registerUser(exports.default);
    const second = await refreshed(user.refresh_token);
    await ageRotations(user.user.id, 31_000);
    const replay = await refresh(user.refresh_token);
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe("invalid_refresh_token");
    expect(await sessionOf(user.user.id)).toMatchObject({ revoked_reason: "refresh_token_reuse" });
    expect((await refresh(second.refresh_token)).status).toBe(401);
    const me = await getWithBearer(exports.default, "/auth/me", second.access_token);
    expect((await errorOf(me)).code).toBe("token_revoked");
  });
});

describe("a rotation that fails half-way", () => {
  it("leaves nothing behind, and the retry rotates the token as if it were the first try", async () => {
    const user = await registerUser(exports.default);
    const trigger = `fail_rotation_${crypto.randomUUID().replaceAll("-", "")}`;
    // The batch's last write fails: its earlier writes (the child, the parent marked used) must go too.
    await db
      .prepare(
        `CREATE TRIGGER ${trigger} BEFORE UPDATE ON sessions WHEN OLD.user_id = '${user.user.id}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
      )
      .run();
    try {
      const failed = await refresh(user.refresh_token);
      expect(failed.status).toBe(500);
      expect((await errorOf(failed)).code).toBe("internal_error");
    } finally {
      await db.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    expect(await countRows(db, "refresh_tokens", "user_id = ?", user.user.id)).toBe(1);
    expect(await countRows(db, "refresh_tokens", "user_id = ? AND used_at IS NULL", user.user.id)).toBe(1);
    const retried = await refreshed(user.refresh_token);
    expect((await getWithBearer(exports.default, "/auth/me", retried.access_token)).status).toBe(200);
    expect((await sessionOf(user.user.id))?.revoked_at).toBeNull();
  });
});

describe("the absolute session lifetime", () => {
  it("caps the refresh and access tokens of a session near its end at that end", async () => {
    const user = await registerUser(exports.default);
    const endsInMs = 20_000;
    await db
      .prepare("UPDATE sessions SET created_at = ? WHERE user_id = ?")
      .bind(Date.now() - SESSION_MAX_AGE_MS + endsInMs, user.user.id)
      .run();
    const body = await refreshed(user.refresh_token);
    const session = await sessionOf(user.user.id);
    const end = (session?.created_at ?? 0) + SESSION_MAX_AGE_MS;
    expect(body.expires_in).toBeLessThanOrEqual(endsInMs / 1000);
    expect((decodeJwt(body.access_token).exp ?? 0) * 1000).toBeLessThanOrEqual(end + 1000);
    const child = await db
      .prepare("SELECT expires_at FROM refresh_tokens WHERE user_id = ? AND parent_id IS NOT NULL")
      .bind(user.user.id)
      .first<{ expires_at: number }>();
    expect(child?.expires_at).toBeLessThanOrEqual(end);
    expect(session?.expires_at).toBeLessThanOrEqual(end);
  });

  it("refuses a refresh once the session is older than SESSION_MAX_AGE_SECONDS, however recently it refreshed", async () => {
    const user = await registerUser(exports.default);
    const second = await refreshed(user.refresh_token);
    await db
      .prepare("UPDATE sessions SET created_at = ? WHERE user_id = ?")
      .bind(Date.now() - SESSION_MAX_AGE_MS - 1000, user.user.id)
      .run();
    const response = await refresh(second.refresh_token);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_refresh_token", message: expect.stringMatching(/maximum age/) });
    // Nothing spent: the token was not marked used.
    expect(await countRows(db, "refresh_tokens", "user_id = ? AND used_at IS NULL", user.user.id)).toBe(1);
  });
});
