import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import authWorker from "../../../workers/demo/auth.js";
import { getWithBearer, postWithBearer, registerUser } from "../../support/http.js";

/**
 * The backend unreachable while a user logs out: the logout still succeeds and the session is
 * revoked at once (the auth Worker owns sessions), the revocation waits in the outbox, and it is
 * delivered — to the backend's SessionControl, which closes the sockets — when the backend returns.
 */
const standIn = (path: string) => env.BACKEND_STANDIN.fetch(`http://backend${path}`, { method: "POST" });

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await authWorker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

function outboxOf(userId: string) {
  return env.AUTH_DB.prepare("SELECT delivered_at, attempts, session_ids FROM session_sync_outbox WHERE user_id = ?")
    .bind(userId)
    .all<{ delivered_at: number | null; attempts: number; session_ids: string }>()
    .then((result) => result.results);
}

afterEach(async () => {
  await standIn("/down");
});

describe("a logout while the backend is unreachable", () => {
  it("revokes at once, keeps the revocation, and delivers it when the backend is back", async () => {
    const user = await registerUser(exports.default);
    const sid = String(decodeJwt(user.access_token).sid);
    expect((await postWithBearer(exports.default, "/auth/logout", user.access_token)).status).toBe(204);
    expect((await getWithBearer(exports.default, "/auth/me", user.access_token)).status).toBe(401);

    await runCron();
    const [pending] = await outboxOf(user.user.id);
    expect(pending).toMatchObject({ delivered_at: null });
    expect(pending?.attempts).toBeGreaterThanOrEqual(1);

    await standIn("/up");
    await runCron();
    const [delivered] = await outboxOf(user.user.id);
    expect(delivered?.delivered_at).toEqual(expect.any(Number));
    const calls = (await (await standIn("/calls")).json()) as Array<{ method: string; args: unknown[] }>;
    expect(calls).toContainEqual({ method: "revokeSession", args: [sid, "logout", user.user.id] });

    // Delivered once: another cron run sends nothing again.
    await runCron();
    const again = (await (await standIn("/calls")).json()) as Array<{ method: string; args: unknown[] }>;
    expect(again.filter((call) => call.args[0] === sid)).toHaveLength(1);
  });
});
