import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { IDLE_RETENTION_MS, REVOKED_MARKER_RETENTION_MS, SEQ_FLOOR_RETENTION_MS } from "../../durable-objects/session-retention.js";
import { postWithBearer } from "../support/http.js";
import { openSession, openSocket } from "../support/ws.js";

/**
 * docs/architecture.md, Environments: a session object whose session has ended and whose sockets are gone
 * deletes its own storage — the resume log, the run ledger, everything; a revoked one keeps only
 * its small revocation marker until no token of the session can be valid anywhere.
 */
const stubOf = (accessToken: string) => env.USER_SESSION.get(env.USER_SESSION.idFromName((decodeJwt(accessToken) as { sid: string }).sid));

interface Held {
  tables: string[];
  keys: string[];
  alarm: number | null;
}

function held(accessToken: string): Promise<Held> {
  return runInDurableObject(stubOf(accessToken), async (_instance, state) => ({
    // _cf_* tables are the runtime's own (the key-value API lives in one); ours are the rest.
    tables: state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((row) => row.name),
    keys: [...state.storage.kv.list()].map(([key]) => key),
    alarm: await state.storage.getAlarm(),
  }));
}

/** A session with a run behind it: the object holds a resume log. */
async function usedSession() {
  const session = await openSession(exports.default);
  session.socket.send({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 3+4" } });
  await session.socket.next("agent_completed");
  expect((await held(session.tokens.access_token)).tables).toEqual(expect.arrayContaining(["events", "meta"]));
  return session;
}

describe("a session object's storage", () => {
  it("after logout and close holds only the revocation marker, and after the marker's time nothing at all", async () => {
    const { socket, tokens } = await usedSession();
    expect((await postWithBearer(exports.default, "/auth/logout", tokens.access_token)).status).toBe(204);
    await socket.next("session_revoked");
    await socket.closed();

    expect(await runDurableObjectAlarm(stubOf(tokens.access_token))).toBe(true);
    const afterLogout = await held(tokens.access_token);
    expect(afterLogout.tables).toEqual([]);
    expect(afterLogout.keys).toEqual(["revoked"]);
    expect(afterLogout.alarm).toBeGreaterThan(Date.now() + REVOKED_MARKER_RETENTION_MS - 60_000);
    // At least the longest access token (24 h) plus session sync's retries (100, a minute apart):
    // a connect is refused by this marker, not by auth, even when the push came late.
    expect(REVOKED_MARKER_RETENTION_MS).toBeGreaterThanOrEqual(24 * 3_600_000 + 100 * 60_000);
    // Meanwhile the marker still refuses a token some isolate may hold as valid.
    expect((await (await openSocket(exports.default, { token: tokens.access_token })).closed()).code).toBe(4003);

    await runInDurableObject(stubOf(tokens.access_token), (_instance, state) => {
      state.storage.kv.put("revoked", { reason: "logout", revokedAtMs: Date.now() - REVOKED_MARKER_RETENTION_MS - 1 });
    });
    await runDurableObjectAlarm(stubOf(tokens.access_token));
    expect(await held(tokens.access_token)).toEqual({ tables: [], keys: [], alarm: null });
  });

  it("idle — every socket gone, not revoked — holds everything until the resume log would have expired, then nothing", async () => {
    const { socket, tokens } = await usedSession();
    socket.close();
    await socket.closed();
    const idle = await held(tokens.access_token);
    expect(idle.keys).toContain("idle_since");
    expect(idle.alarm).toBeGreaterThan(Date.now() + IDLE_RETENTION_MS - 60_000);
    // The alarm may fire early (a restart): too soon, it keeps everything.
    await runDurableObjectAlarm(stubOf(tokens.access_token));
    expect((await held(tokens.access_token)).tables).toEqual(expect.arrayContaining(["events", "meta"]));

    await runInDurableObject(stubOf(tokens.access_token), (_instance, state) => {
      state.storage.kv.put("idle_since", Date.now() - IDLE_RETENTION_MS - 1);
    });
    await runDurableObjectAlarm(stubOf(tokens.access_token));
    // Only the last seq stays, so a resume from before the cleanup is never served from a new log.
    const cleaned = await held(tokens.access_token);
    expect(cleaned).toMatchObject({ tables: [], keys: ["seq_floor"] });
    expect(cleaned.alarm).toBeGreaterThan(Date.now() + SEQ_FLOOR_RETENTION_MS - 60_000);

    await runInDurableObject(stubOf(tokens.access_token), (_instance, state) => {
      const floor = state.storage.kv.get<{ seq: number; keptAtMs: number }>("seq_floor");
      state.storage.kv.put("seq_floor", { seq: floor?.seq ?? 0, keptAtMs: Date.now() - SEQ_FLOOR_RETENTION_MS - 1 });
    });
    await runDurableObjectAlarm(stubOf(tokens.access_token));
    expect(await held(tokens.access_token)).toEqual({ tables: [], keys: [], alarm: null });
  });

  it("after a reset took its sockets without a close event, the alarm still finds it idle and its storage goes", async () => {
    const { socket, tokens } = await usedSession();
    await expect(runInDurableObject(stubOf(tokens.access_token), (_instance, state) => state.abort("reset in a test"))).rejects.toThrow();
    await socket.closed();
    // The alarm the connect set (the token's deadline) comes; no socket is left, and none closed here.
    expect(await runDurableObjectAlarm(stubOf(tokens.access_token))).toBe(true);
    const idle = await held(tokens.access_token);
    expect(idle.keys).toContain("idle_since");
    expect(idle.alarm).toBeGreaterThan(Date.now() + IDLE_RETENTION_MS - 60_000);

    await runInDurableObject(stubOf(tokens.access_token), (_instance, state) => {
      state.storage.kv.put("idle_since", Date.now() - IDLE_RETENTION_MS - 1);
    });
    await runDurableObjectAlarm(stubOf(tokens.access_token));
    expect(await held(tokens.access_token)).toMatchObject({ tables: [], keys: ["seq_floor"] });
  });

  it("is kept while a socket is open; a resume after the cleanup answers resumed_from null and the sequence goes on", async () => {
    const { socket, tokens } = await usedSession();
    const second = await openSocket(exports.default, { token: tokens.access_token, query: "?resume_after=0" });
    await second.next("connection_established");
    socket.close();
    await socket.closed();
    // One socket is still open: nothing is idle, nothing is deleted.
    expect((await held(tokens.access_token)).keys).not.toContain("idle_since");
    second.close();
    await second.closed();
    await runInDurableObject(stubOf(tokens.access_token), (_instance, state) => {
      state.storage.kv.put("idle_since", Date.now() - IDLE_RETENTION_MS - 1);
    });
    await runDurableObjectAlarm(stubOf(tokens.access_token));
    // The first run's events went with the cleanup: seq 3 is not in any log now.
    const again = await openSocket(exports.default, { token: tokens.access_token, query: "?resume_after=3" });
    const established = await again.next("connection_established");
    const lastBefore = established.payload.last_seq;
    expect(lastBefore).toBeGreaterThan(3);
    expect(established.payload.resumed_from).toBeNull();
    expect(again.frames.filter((frame) => frame.seq !== undefined)).toEqual([]);
    again.send({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 1+1" } });
    expect((await again.next("ack")).seq).toBe(lastBefore + 1);
    again.close();
    await again.closed();
    // A client that had seen seq 5 of the old log cannot resume into the new one either.
    const late = await openSocket(exports.default, { token: tokens.access_token, query: "?resume_after=5" });
    expect((await late.next("connection_established")).payload.resumed_from).toBeNull();
    late.close();
  });
});
