import { DEFAULT_AUTH_SETUP } from "../../workers/auth/auth-setup.js";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import authApp from "../../workers/demo/auth.js";
import type { AuthBindings } from "../../workers/auth/config.js";
import { authContext } from "../../workers/auth/context.js";
import { purgeExpired } from "../../workers/auth/retention.js";
import { pushSessionSync } from "../../workers/auth/session-sync.js";
import { fullScanOffenders, recordingD1 } from "../support/query-recorder.js";
import { freshClientIp, ORIGIN, STRONG_PASSWORD, uniqueEmail, type TokenResponse } from "../support/http.js";

/**
 * Every statement the auth Worker issues on its hot paths — sign-up, sign-in, validation, refresh
 * (and its retry), the session list, logout, logout-all, the session-sync push and the retention
 * purge — is recorded from a real run of those flows, then explained by SQLite: none may read a
 * whole table that grows with use. A new query without an index fails here, not in production.
 */
const GROWING_TABLES = [
  "users",
  "sessions",
  "refresh_tokens",
  "session_sync_outbox",
  "oauth_logins",
  "user_identities",
  "email_tokens",
  "login_failures",
  "dev_mailbox",
] as const;

describe("query plans of the auth Worker's hot paths", () => {
  it("use an index for every table that grows with use", async () => {
    const recorder = recordingD1(env.AUTH_DB);
    const recordedEnv: AuthBindings = { ...env, AUTH_DB: recorder.db };
    const call = async (path: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext();
      const response = await authApp.fetch(new Request(`${ORIGIN}${path}`, init), recordedEnv, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const post = (path: string, body: unknown, token?: string) =>
      call(path, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "CF-Connecting-IP": freshClientIp(),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

    const email = uniqueEmail("plans");
    const registered = (await (await post("/auth/register", { email, password: STRONG_PASSWORD, name: "Plans" })).json()) as TokenResponse;
    const login = (await (await post("/auth/login", { email, password: STRONG_PASSWORD })).json()) as TokenResponse;
    expect((await call("/auth/me", bearer(login.access_token))).status).toBe(200);
    expect((await call("/auth/sessions", bearer(login.access_token))).status).toBe(200);
    const rotated = (await (await post("/auth/refresh", { refresh_token: login.refresh_token })).json()) as TokenResponse;
    expect((await post("/auth/refresh", { refresh_token: login.refresh_token })).status).toBe(200);
    // Email ownership: the verification mail and its redemption, a reset asked for and done,
    // failed sign-ins counted per account, the dev mailbox, one session signed out from the list.
    const mailbox = (await (await call(`/auth/dev/mailbox?email=${encodeURIComponent(email)}`)).json()) as {
      messages: Array<{ token: string }>;
    };
    expect((await post("/auth/email/verify", { token: mailbox.messages[0]?.token })).status).toBe(200);
    expect((await post("/auth/email/verify/request", {}, rotated.access_token)).status).toBe(202);
    expect((await post("/auth/login", { email, password: "not the password" })).status).toBe(401);
    expect((await post("/auth/password/reset/request", { email })).status).toBe(202);
    const resetMail = (await (await call(`/auth/dev/mailbox?email=${encodeURIComponent(email)}`)).json()) as {
      messages: Array<{ token: string }>;
    };
    const second = (await (await post("/auth/login", { email, password: STRONG_PASSWORD })).json()) as TokenResponse;
    const sessions = (await (await call("/auth/sessions", bearer(second.access_token))).json()) as {
      sessions: Array<{ id: string; current: boolean }>;
    };
    const other = sessions.sessions.find((session) => !session.current)?.id ?? "";
    expect((await call(`/auth/sessions/${other}`, { method: "DELETE", ...bearer(second.access_token) })).status).toBe(204);
    expect((await post("/auth/password/reset", { token: resetMail.messages[0]?.token, password: "a brand new passphrase" })).status).toBe(
      204,
    );
    expect((await post("/auth/logout", {}, rotated.access_token)).status).toBe(401);
    const afterReset = (await (await post("/auth/login", { email, password: "a brand new passphrase" })).json()) as TokenResponse;
    expect((await post("/auth/logout-all", {}, afterReset.access_token)).status).toBe(204);
    expect((await post("/auth/logout", {}, registered.access_token)).status).toBe(401);
    const auth = authContext(DEFAULT_AUTH_SETUP, recordedEnv);
    await pushSessionSync(auth, { BACKEND: undefined });
    await purgeExpired(auth);

    const { distinct, offenders } = await fullScanOffenders(env.AUTH_DB, recorder.statements, GROWING_TABLES);
    expect(distinct).toBeGreaterThan(15);
    expect(offenders).toEqual([]);
  });
});
