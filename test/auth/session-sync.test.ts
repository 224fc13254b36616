import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import authWorker from "../../workers/demo/auth.js";
import { postJson, postWithBearer, registerUser, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";

interface OutboxRow {
  kind: string;
  session_ids: string;
  reason: string;
  attempts: number;
  delivered_at: number | null;
  last_error: string | null;
}

function outboxOf(userId: string): Promise<OutboxRow[]> {
  return env.AUTH_DB.prepare(
    "SELECT kind, session_ids, reason, attempts, delivered_at, last_error FROM session_sync_outbox WHERE user_id = ? ORDER BY created_at",
  )
    .bind(userId)
    .all<OutboxRow>()
    .then((result) => result.results);
}

/** Moves the user's rotations `byMs` into the past, as if that much time had gone by since. */
function ageRotations(userId: string, byMs: number) {
  return env.AUTH_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - ? WHERE user_id = ? AND used_at IS NOT NULL")
    .bind(byMs, userId)
    .run();
}

/** Runs the cron trigger once and waits for its work. */
async function runCron() {
  const ctx = createExecutionContext();
  await authWorker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("session sync while the backend is down", () => {
  it("records a logout in the outbox in the same write, and keeps it pending when the push fails", async () => {
    const user = await registerUser(exports.default);
    expect((await postWithBearer(exports.default, "/auth/logout", user.access_token)).status).toBe(204);
    await runCron();
    // The logout's own push may still be on its way (the cron skips a row in flight): its failure is counted either way.
    await expect.poll(async () => (await outboxOf(user.user.id))[0]?.attempts ?? 0).toBeGreaterThanOrEqual(1);
    const [row] = await outboxOf(user.user.id);
    expect(row).toMatchObject({ kind: "revoke_session", reason: "logout", delivered_at: null, last_error: "internal_error" });
    expect(JSON.parse(row?.session_ids ?? "[]")).toEqual([(decodeJwt(user.access_token) as { sid: string }).sid]);
    expect(row?.attempts).toBeGreaterThanOrEqual(1);
  });

  it("retries from the cron trigger: a row still failing is tried again, each try one more attempt", async () => {
    const user = await registerUser(exports.default);
    await postWithBearer(exports.default, "/auth/logout", user.access_token);
    const attempts = async () => (await outboxOf(user.user.id))[0]?.attempts ?? 0;
    await expect.poll(attempts).toBeGreaterThanOrEqual(1);
    const before = await attempts();
    // Each run pushes the 50 pending rows tried least so far: other tests' rows may come first for a run or two.
    for (let run = 0; run < 20 && (await attempts()) === before; run += 1) await runCron();
    expect(await attempts()).toBe(before + 1);
    expect((await outboxOf(user.user.id))[0]).toMatchObject({ delivered_at: null, last_error: "internal_error" });
  });

  it("records logout-all with every session of the user", async () => {
    const user = await registerUser(exports.default);
    const other = (await (
      await postJson(exports.default, "/auth/login", { email: user.user.email, password: STRONG_PASSWORD })
    ).json()) as TokenResponse;
    await postWithBearer(exports.default, "/auth/logout-all", user.access_token);
    const [row] = await outboxOf(user.user.id);
    expect(row?.kind).toBe("revoke_user");
    const sids = [user.access_token, other.access_token].map((token) => (decodeJwt(token) as { sid: string }).sid);
    expect(JSON.parse(row?.session_ids ?? "[]").sort()).toEqual(sids.sort());
  });

  it("records refresh-token reuse (after the grace period)", async () => {
    const user = await registerUser(exports.default);
    await postJson(exports.default, "/auth/refresh", { refresh_token: user.refresh_token });
    await ageRotations(user.user.id, 31_000);
    await postJson(exports.default, "/auth/refresh", { refresh_token: user.refresh_token });
    expect((await outboxOf(user.user.id)).map((row) => row.reason)).toEqual(["refresh_token_reuse"]);
  });
});

describe("the session-sync push", () => {
  it("tries a new row before a backlog of rows that keep failing", async () => {
    const backlogUser = await registerUser(exports.default);
    const insert = env.AUTH_DB.prepare(
      `INSERT INTO session_sync_outbox (id, kind, user_id, session_ids, reason, created_at, attempts) VALUES (?, 'revoke_session', ?, '["gone"]', 'logout', ?, 7)`,
    );
    // More stuck rows, older than anything, than one push takes (50).
    await env.AUTH_DB.batch(Array.from({ length: 60 }, (_, index) => insert.bind(crypto.randomUUID(), backlogUser.user.id, index)));
    const user = await registerUser(exports.default);
    expect((await postWithBearer(exports.default, "/auth/logout", user.access_token)).status).toBe(204);
    await runCron();
    // Oldest first, it would wait behind the 60 (each push takes 50), and neither push would try it.
    await expect.poll(async () => (await outboxOf(user.user.id))[0]?.attempts ?? 0).toBeGreaterThanOrEqual(1);
    expect((await outboxOf(user.user.id))[0]).toMatchObject({ kind: "revoke_session", last_error: "internal_error" });
    await env.AUTH_DB.prepare("DELETE FROM session_sync_outbox WHERE user_id = ?").bind(backlogUser.user.id).run();
  });
});
