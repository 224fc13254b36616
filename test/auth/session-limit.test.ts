import { DEFAULT_AUTH_SETUP } from "../../workers/auth/auth-setup.js";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { authContext } from "../../workers/auth/context.js";
import { startSession } from "../../workers/auth/sessions.js";
import { findUserById } from "../../workers/auth/users.js";
import { countRows } from "../support/auth-db.js";
import { postJson, uniqueEmail, type TokenResponse } from "../support/http.js";

/**
 * A user has at most MAX_SESSIONS_PER_USER (default 50) live sessions (docs/protocol.md): a sign-in past
 * it ends the oldest — revoked with reason `session_limit`, its refresh token refused, and an
 * outbox row so its sockets close.
 */
const db = env.AUTH_DB;
const MAX_SESSIONS = 50;
const sidOf = (body: TokenResponse) => (decodeJwt(body.access_token) as { sid: string }).sid;
const devLogin = async (email: string) => (await (await postJson(exports.default, "/auth/dev/login", { email })).json()) as TokenResponse;

/** Sign-ins a second apart, in the order given: sign-ins in one millisecond would leave "oldest" to the id. */
async function spreadOut(signIns: TokenResponse[]) {
  const start = Date.now() - signIns.length * 1000;
  await db.batch(
    signIns.map((signIn, index) => db.prepare("UPDATE sessions SET created_at = ? WHERE id = ?").bind(start + index * 1000, sidOf(signIn))),
  );
}

describe("sessions per user", () => {
  it(`end the oldest when a sign-in would make ${MAX_SESSIONS + 1}: revoked as session_limit, its refresh refused, its sockets told`, async () => {
    const email = uniqueEmail("many-devices");
    const signIns: TokenResponse[] = [];
    for (let signIn = 0; signIn < MAX_SESSIONS; signIn += 1) signIns.push(await devLogin(email));
    await spreadOut(signIns);
    const userId = signIns[0]?.user.id ?? "";
    expect(await countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", userId)).toBe(MAX_SESSIONS);
    expect(await countRows(db, "session_sync_outbox", "user_id = ?", userId)).toBe(0);

    const latest = await devLogin(email);
    const oldest = signIns[0] as TokenResponse;
    expect(await countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", userId)).toBe(MAX_SESSIONS);
    const ended = await db
      .prepare("SELECT id, revoked_reason FROM sessions WHERE user_id = ? AND revoked_at IS NOT NULL")
      .bind(userId)
      .all();
    expect(ended.results).toEqual([{ id: sidOf(oldest), revoked_reason: "session_limit" }]);
    expect((await postJson(exports.default, "/auth/refresh", { refresh_token: oldest.refresh_token })).status).toBe(401);
    expect((await postJson(exports.default, "/auth/refresh", { refresh_token: latest.refresh_token })).status).toBe(200);
    const outbox = await db.prepare("SELECT kind, session_ids, reason FROM session_sync_outbox WHERE user_id = ?").bind(userId).all();
    expect(outbox.results).toEqual([{ kind: "revoke_user", session_ids: JSON.stringify([sidOf(oldest)]), reason: "session_limit" }]);
  });

  it("end every session past the limit at once when it was lowered, oldest first", async () => {
    const email = uniqueEmail("lowered");
    const signIns: TokenResponse[] = [];
    for (let signIn = 0; signIn < 5; signIn += 1) signIns.push(await devLogin(email));
    await spreadOut(signIns);
    const ctx = authContext(DEFAULT_AUTH_SETUP, env);
    const user = await findUserById(ctx.db, signIns[0]?.user.id ?? "");
    if (!user) throw new Error("no user");
    const lowered = { ...ctx, config: { ...ctx.config, maxSessionsPerUser: 2 } };
    const latest = await startSession(lowered, user, { userAgent: null, ipAddress: null }, { amr: ["dev"] });

    const live = await db
      .prepare("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at")
      .bind(user.id)
      .all<{ id: string }>();
    expect(live.results.map((row) => row.id)).toEqual([sidOf(signIns[4] as TokenResponse), sidOf(latest)]);
    const [row] = (
      await db.prepare("SELECT session_ids FROM session_sync_outbox WHERE user_id = ?").bind(user.id).all<{ session_ids: string }>()
    ).results;
    expect((JSON.parse(row?.session_ids ?? "[]") as string[]).sort()).toEqual(signIns.slice(0, 4).map(sidOf).sort());
  });
});
