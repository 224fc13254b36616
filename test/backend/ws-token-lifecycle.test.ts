import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { readAttachment as readSocketAttachment, writeAttachment, type SocketAttachment } from "../../durable-objects/socket-state.js";
import { latestMail, postJson, registerUser, type TokenResponse } from "../support/http.js";
import { openSession } from "../support/ws.js";

function sessionStub(accessToken: string) {
  const { sid } = decodeJwt(accessToken) as { sid: string };
  return env.USER_SESSION.get(env.USER_SESSION.idFromName(sid));
}

/**
 * Rewrites the socket's remembered expiry, as if its token had been issued with a short TTL: through
 * the object's own writer, which keeps its in-memory copy and the attachment together.
 */
async function setSocketExpiry(accessToken: string, tokenExpiresAtMs: number) {
  await runInDurableObject(sessionStub(accessToken), async (_instance, state) => {
    for (const ws of state.getWebSockets()) {
      const attachment = readSocketAttachment(ws);
      if (!attachment) throw new Error("a socket without its attachment");
      writeAttachment(ws, { ...attachment, tokenExpiresAtMs });
    }
  });
}

function readAttachment(accessToken: string): Promise<SocketAttachment> {
  return runInDurableObject(
    sessionStub(accessToken),
    (_instance, state) => state.getWebSockets()[0]?.deserializeAttachment() as SocketAttachment,
  );
}

const connected = () => openSession(exports.default);

async function refreshedAccessToken(tokens: TokenResponse): Promise<string> {
  const response = await postJson(exports.default, "/auth/refresh", { refresh_token: tokens.refresh_token });
  return ((await response.json()) as TokenResponse).access_token;
}

describe("token expiry inside the socket", () => {
  it("sets an alarm TOKEN_REFRESH_LEAD_SECONDS before the token expires", async () => {
    const { tokens, socket } = await connected();
    const { exp } = decodeJwt(tokens.access_token) as { exp: number };
    const alarm = await runInDurableObject(sessionStub(tokens.access_token), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBe(exp * 1000 - 60_000);
    socket.close();
  });

  it("warns with token_expiring, then closes with 4001 at expiry without a refresh", async () => {
    const { tokens, socket } = await connected();
    const expiresAtMs = Date.now() + 30_000;
    await setSocketExpiry(tokens.access_token, expiresAtMs);
    expect(await runDurableObjectAlarm(sessionStub(tokens.access_token))).toBe(true);
    const warning = await socket.next("token_expiring");
    expect(warning.payload.expires_at).toBe(new Date(expiresAtMs).toISOString());
    expect(warning.seq).toBeUndefined();

    await setSocketExpiry(tokens.access_token, Date.now() - 1);
    await runDurableObjectAlarm(sessionStub(tokens.access_token));
    const closed = await socket.closed();
    expect(closed.code).toBe(4001);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "token_expired" });
  });

  it("keeps working after hibernation: the alarm still finds the socket and warns it", async () => {
    const { tokens, socket } = await connected();
    await setSocketExpiry(tokens.access_token, Date.now() + 10_000);
    await evictDurableObject(sessionStub(tokens.access_token));
    await runDurableObjectAlarm(sessionStub(tokens.access_token));
    await socket.next("token_expiring");
    socket.close();
  });

  it("accepts a fresh token of the same session in-band and moves the deadline", async () => {
    const { tokens, socket } = await connected();
    await setSocketExpiry(tokens.access_token, Date.now() + 5_000);
    const fresh = await refreshedAccessToken(tokens);
    const id = crypto.randomUUID();
    socket.send({ type: "auth_refresh", id, payload: { token: fresh } });
    const refreshed = await socket.next("auth_refreshed");
    const { exp } = decodeJwt(fresh) as { exp: number };
    expect(refreshed.reply_to).toBe(id);
    expect(refreshed.payload.token_expires_at).toBe(new Date(exp * 1000).toISOString());
    expect((await readAttachment(tokens.access_token)).tokenExpiresAtMs).toBe(exp * 1000);
    const alarm = await runInDurableObject(sessionStub(tokens.access_token), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBe(exp * 1000 - 60_000);
    socket.send({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 6 * 7" } });
    expect((await socket.next("agent_completed")).payload.result).toBe("6 * 7 = 42");
    socket.close();
  });

  it.each([
    ["another user's token", async () => (await registerUser(exports.default)).access_token, "token_mismatch"],
    ["a garbage token", async () => "not.a.token", "invalid_token"],
  ])("refuses %s with an error and changes nothing", async (_label, makeToken, code) => {
    const { tokens, socket } = await connected();
    const before = await readAttachment(tokens.access_token);
    socket.send({ type: "auth_refresh", id: "r1", payload: { token: await makeToken() } });
    const error = await socket.next("error");
    expect(error.payload).toMatchObject({ code, retryable: false });
    expect(error.reply_to).toBe("r1");
    expect((await readAttachment(tokens.access_token)).tokenExpiresAtMs).toBe(before.tokenExpiresAtMs);
    socket.close();
  });

  it("refuses a token of another session of the same user", async () => {
    const { tokens, socket } = await connected();
    const login = await postJson(exports.default, "/auth/login", { email: tokens.user.email, password: "correct horse battery staple" });
    const otherSession = ((await login.json()) as TokenResponse).access_token;
    socket.send({ type: "auth_refresh", id: "r2", payload: { token: otherSession } });
    expect((await socket.next("error")).payload).toMatchObject({ code: "token_mismatch" });
    socket.close();
  });
});

describe("a live socket's claims follow the user", () => {
  it("an auth_refresh replaces every claim the socket holds with the new token's, not only its expiry", async () => {
    const { tokens, socket } = await connected();
    // As if the socket had been opened with a token from before the address was proved, by another name.
    await runInDurableObject(sessionStub(tokens.access_token), (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        const attachment = readSocketAttachment(ws);
        if (attachment) writeAttachment(ws, { ...attachment, emailVerified: true, name: "Old Name", email: "old@example.com" });
      }
    });
    const fresh = await refreshedAccessToken(tokens);
    socket.send({ type: "auth_refresh", id: "claims", payload: { token: fresh } });
    await socket.next("auth_refreshed");
    expect(await readAttachment(tokens.access_token)).toMatchObject({
      email: tokens.user.email,
      name: tokens.user.name,
      emailVerified: false,
      tokenExpiresAtMs: (decodeJwt(fresh).exp ?? 0) * 1000,
    });
    socket.close();
  });

  it("a proved address reaches the open socket through session sync (userUpdated), and the runs it starts", async () => {
    const { tokens, socket } = await connected();
    const mail = await latestMail(exports.default, tokens.user.email, /confirm/i);
    expect((await postJson(exports.default, "/auth/email/verify", { token: mail.token })).status).toBe(200);
    await expect.poll(async () => (await readAttachment(tokens.access_token)).emailVerified).toBe(true);
    // The socket's author of the next message is the user as they are now: the mirror row says so.
    socket.send({ type: "user_message", id: "as-verified", payload: { content: "what is 1+1" } });
    await socket.next("agent_completed");
    const mirror = await env.APP_DB.prepare("SELECT email_verified FROM users WHERE id = ?")
      .bind(tokens.user.id)
      .first<{ email_verified: number }>();
    expect(mirror?.email_verified).toBe(1);
    socket.close();
  });
});
