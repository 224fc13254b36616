import { DEFAULT_AUTH_SETUP } from "../../../workers/auth/auth-setup.js";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import authApp from "../../../workers/demo/auth.js";
import { authContext } from "../../../workers/auth/context.js";
import { resetPassword, userForResetToken } from "../../../workers/auth/email-ownership.js";
import { userForIdentity, type ProviderIdentity } from "../../../workers/auth/oauth/identities.js";
import { startSession } from "../../../workers/auth/sessions.js";
import { findUserById } from "../../../workers/auth/users.js";
import { postToAuthApp } from "../../support/auth/auth-app.js";
import { gateBatch } from "../../support/auth/gated-database.js";
import { countRows } from "../../support/auth-db.js";
import {
  errorOf,
  freshClientIp,
  latestMail,
  ORIGIN,
  postJson,
  registerUser,
  STRONG_PASSWORD,
  type TokenResponse,
} from "../../support/http.js";

/**
 * docs/protocol.md, "Credential changes win races": a sign-in writes its session only if the credential
 * version it read with the password is still current, and a reset or a claim acts only if it took
 * effect. Each race is driven in a fixed order through a gate on the database (gated-database.ts),
 * not by timing.
 */
const db = env.AUTH_DB;
const NEW_PASSWORD = "a brand new passphrase";
const noClient = { userAgent: null, ipAddress: null };

const liveSessions = (userId: string) => countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", userId);
const liveRefreshTokens = (userId: string) => countRows(db, "refresh_tokens", "user_id = ? AND revoked_at IS NULL", userId);
const credentialVersion = async (userId: string) =>
  (await db.prepare("SELECT credential_version AS v FROM users WHERE id = ?").bind(userId).first<{ v: number }>())?.v;

async function resetTokenOf(email: string): Promise<string> {
  expect((await postToAuthApp("/auth/password/reset/request", { email })).status).toBe(202);
  return (await latestMail(exports.default, email, /reset/i)).token;
}

describe("a password sign-in racing a password reset", () => {
  it("leaves no live session: the sign-in that read the old password answers 401 and writes nothing", async () => {
    const user = await registerUser(exports.default);
    const token = await resetTokenOf(user.user.email);
    // The sign-in runs against a database that holds its session write at a gate.
    const gate = gateBatch(db, /^insert into "sessions"/i);
    const ctx = createExecutionContext();
    const signingIn = authApp.fetch(
      new Request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp() },
        body: JSON.stringify({ email: user.user.email, password: STRONG_PASSWORD }),
      }),
      { ...env, AUTH_DB: gate.database },
      ctx,
    );
    // It has read the user and checked the old password, which was right; now the reset happens.
    await gate.reached;
    expect((await postToAuthApp("/auth/password/reset", { token, password: NEW_PASSWORD })).status).toBe(204);
    expect(await credentialVersion(user.user.id)).toBe(1);
    gate.open();
    const response = await signingIn;
    await waitOnExecutionContext(ctx);

    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_credentials");
    expect(await liveSessions(user.user.id)).toBe(0);
    expect(await liveRefreshTokens(user.user.id)).toBe(0);
    // The new password is the one that signs in now.
    expect((await postJson(exports.default, "/auth/login", { email: user.user.email, password: STRONG_PASSWORD })).status).toBe(401);
    expect((await postJson(exports.default, "/auth/login", { email: user.user.email, password: NEW_PASSWORD })).status).toBe(200);
  });
});

describe("a password reset that lost a race", () => {
  it("changes nothing: the session made after the winning reset stays, the password stays the winner's", async () => {
    const user = await registerUser(exports.default);
    const token = await resetTokenOf(user.user.email);
    const ctx = authContext(DEFAULT_AUTH_SETUP, env);
    // Both redemptions read the token while it was unused.
    const first = await userForResetToken(ctx, token);
    const second = await userForResetToken(ctx, token);
    await resetPassword(ctx, first, NEW_PASSWORD);
    const after = (await (
      await postJson(exports.default, "/auth/login", { email: user.user.email, password: NEW_PASSWORD })
    ).json()) as TokenResponse;

    await expect(resetPassword(ctx, second, "the loser's passphrase")).rejects.toMatchObject({ code: "invalid_reset_token" });

    expect(await liveSessions(user.user.id)).toBe(1);
    expect((await postJson(exports.default, "/auth/refresh", { refresh_token: after.refresh_token })).status).toBe(200);
    expect(await countRows(db, "session_sync_outbox", "user_id = ? AND reason = 'password_reset'", user.user.id)).toBe(1);
    expect(await credentialVersion(user.user.id)).toBe(1);
    expect((await postJson(exports.default, "/auth/login", { email: user.user.email, password: "the loser's passphrase" })).status).toBe(
      401,
    );
  });
});

describe("a provider sign-in claiming an unverified account", () => {
  const identity = (email: string): ProviderIdentity => ({
    issuer: "https://race.provider.test",
    subject: crypto.randomUUID(),
    email,
    emailVerified: true,
    name: null,
  });

  it("moves the credential version, revokes the registrant's sessions and queues userClaimed, in one write", async () => {
    const registrant = await registerUser(exports.default);
    const claimed = await userForIdentity(authContext(DEFAULT_AUTH_SETUP, env), "dev", identity(registrant.user.email));
    expect(claimed.id).toBe(registrant.user.id);
    expect(claimed.passwordHash).toBeNull();
    expect(await credentialVersion(registrant.user.id)).toBe(1);
    expect(await liveSessions(registrant.user.id)).toBe(0);
    const rows = await db
      .prepare("SELECT kind, reason, created_at FROM session_sync_outbox WHERE user_id = ? ORDER BY kind")
      .bind(registrant.user.id)
      .all<{ kind: string; reason: string; created_at: number }>();
    expect(rows.results.map((row) => [row.kind, row.reason])).toEqual([
      ["revoke_user", "account_claimed"],
      ["user_claimed", "user_claimed"],
    ]);
    expect(rows.results[1]?.created_at).toBe(claimed.emailVerifiedAt);
  });

  it("changes nothing when it lost the race to another claim: the owner's new session stays, nothing more is queued", async () => {
    const registrant = await registerUser(exports.default);
    const gate = gateBatch(db, /^insert into "session_sync_outbox"/i);
    // The losing claim reads the account (unverified, version 0) and waits at its write.
    const losing = userForIdentity(
      authContext(DEFAULT_AUTH_SETUP, { ...env, AUTH_DB: gate.database }),
      "dev",
      identity(registrant.user.email),
    );
    await gate.reached;
    const winner = await userForIdentity(authContext(DEFAULT_AUTH_SETUP, env), "dev", identity(registrant.user.email));
    // The owner signs in after the winning claim.
    const owner = await startSession(
      authContext(DEFAULT_AUTH_SETUP, env),
      (await findUserById(authContext(DEFAULT_AUTH_SETUP, env).db, winner.id)) ?? winner,
      noClient,
      { amr: ["oidc"] },
    );
    gate.open();
    const lost = await losing;

    expect(lost.id).toBe(registrant.user.id);
    expect(lost.emailVerifiedAt).toBe(winner.emailVerifiedAt);
    expect(await credentialVersion(registrant.user.id)).toBe(1);
    expect(await liveSessions(registrant.user.id)).toBe(1);
    expect((await postJson(exports.default, "/auth/refresh", { refresh_token: owner.refresh_token })).status).toBe(200);
    expect(await countRows(db, "session_sync_outbox", "user_id = ? AND kind = 'user_claimed'", registrant.user.id)).toBe(1);
    expect(await countRows(db, "session_sync_outbox", "user_id = ? AND reason = 'account_claimed'", registrant.user.id)).toBe(1);
    // The account is proved now, so the second identity joined it.
    expect(await countRows(db, "user_identities", "user_id = ?", registrant.user.id)).toBe(2);
  });
});
