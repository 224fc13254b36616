import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import backendApp from "../../workers/demo/backend.js";
import { AuthGateway } from "../../workers/shared/auth-gateway.js";
import type { AuthServiceApi } from "../../workers/shared/rpc.js";
import { testGatewayOptions } from "../support/backend/gateway.js";
import { errorOf, ORIGIN, registerUser } from "../support/http.js";
import { expectCompleteRun, expectContiguous, SdkRecorder } from "../support/sdk-recorder.js";
import { connectSdk, signedUpSdkUser } from "../support/workerd-sdk.js";

/**
 * Faults: an auth Worker that answers garbage, and a session object reset in the middle of a run
 * (hard: aborted; soft: evicted). Nothing hangs, nothing answers 500, and a run is either delivered
 * whole or reported failed — never left half-told. (D1 failing mid-batch is in
 * test/backend/ws-durability.test.ts; a backend unreachable at logout in test/security/auth/.)
 */
const sessions = env.USER_SESSION;

/** Each way an RPC answer can be garbage: not a result at all, or a result of the wrong shape. */
const GARBAGE: unknown[] = [
  null,
  "garbage",
  42,
  {},
  { ok: true },
  { ok: true, value: { sub: 1 } },
  { ok: false },
  { ok: "yes", value: null },
];

/** The real auth binding, but every validation (and, if asked, service-token exchange) answers `garbage`. */
function garbageAuth(garbage: unknown, alsoCredentials = false): AuthServiceApi & Fetcher {
  const real = env.AUTH;
  return {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => real.fetch(input, init),
    issueServiceToken: (id: string, secret: string) => (alsoCredentials ? Promise.resolve(garbage) : real.issueServiceToken(id, secret)),
    validateAccessToken: () => Promise.resolve(garbage),
    getUser: () => Promise.resolve(garbage),
    jwks: () => Promise.resolve(garbage),
    disableUser: () => Promise.resolve(garbage),
  } as unknown as AuthServiceApi & Fetcher;
}

describe("an auth Worker that answers garbage", () => {
  it.each(GARBAGE.map((garbage) => [JSON.stringify(garbage), garbage]))(
    "%s is treated as auth failing: no exception, the breaker counts it",
    async (_name, garbage) => {
      const { access_token } = await registerUser(exports.default);
      for (const alsoCredentials of [false, true]) {
        const gateway = new AuthGateway(
          garbageAuth(garbage, alsoCredentials),
          testGatewayOptions({ failureThreshold: 3, callTimeoutMs: 100, cooldownMs: 60_000 }),
        );
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const result = await gateway.validate(access_token, { bypassCache: true });
          expect(result).toMatchObject({ ok: false, code: "auth_unavailable" });
        }
        expect(gateway.breakerState).toBe("open");
      }
    },
  );

  it("never turns into a 500 at /api/me or /ws", async () => {
    const { access_token } = await registerUser(exports.default);
    for (const garbage of GARBAGE) {
      const garbageEnv = { ...env, AUTH: garbageAuth(garbage), AUTH_CALL_TIMEOUT_MS: "100" };
      const me = await backendApp.fetch(
        new Request(`${ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${access_token}` } }),
        garbageEnv,
      );
      expect([200, 503], JSON.stringify(garbage)).toContain(me.status);
      if (me.status === 503) expect((await errorOf(me)).code).toBe("auth_unavailable");
      const upgrade = await backendApp.fetch(
        new Request(`${ORIGIN}/ws`, { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `tether.v1, bearer.${access_token}` } }),
        garbageEnv,
      );
      expect(upgrade.status, JSON.stringify(garbage)).toBe(101);
      upgrade.webSocket?.accept();
      upgrade.webSocket?.close();
    }
  });
});

async function runStatus(userId: string): Promise<string[]> {
  const rows = await env.APP_DB.prepare("SELECT status FROM agent_runs WHERE user_id = ?").bind(userId).all<{ status: string }>();
  return rows.results.map((row) => row.status);
}

/** A new user's SDK connection, open, and the stub of its session object. */
async function openSdkSession() {
  const auth = await signedUpSdkUser("Fault");
  const recorder = new SdkRecorder(10_000);
  const connection = connectSdk(auth, recorder);
  await recorder.state("open");
  const sid = String(decodeJwt((await auth.accessToken()) ?? "").sid);
  return { auth, recorder, connection, session: sessions.get(sessions.idFromName(sid)) };
}

describe("a session object reset in the middle of a run", () => {
  it("aborted: the client reconnects, resumes, and the run is reported failed, not left half-told", async () => {
    const { auth, recorder, connection, session } = await openSdkSession();
    const id = connection.send("what is 12 * (3 + 4)?");
    await recorder.frame("agent_started", id);

    await expect(runInDurableObject(session, (_instance, state) => state.abort("reset in a test"))).rejects.toThrow();
    expect((await recorder.state("reconnecting")).code).toBe(1006);
    await recorder.state("open", 2);
    const ended = await recorder.until("the run to end", () =>
      recorder.frames.find((frame) => frame.reply_to === id && (frame.type === "agent_completed" || frame.type === "error")),
    );
    if (ended.type === "error") {
      expect(ended.payload).toMatchObject({ code: "run_interrupted", retryable: true });
      expect(await runStatus((await auth.session())?.user.id ?? "")).toEqual(["failed"]);
    } else expectCompleteRun(recorder.runOf(id));
    // The session goes on: the next message runs to the end.
    const next = connection.send("what is 2+2");
    expect((await recorder.frame("agent_completed", next)).payload).toMatchObject({ result: "2+2 = 4" });
    connection.close();
  });

  it("after hibernation: a woken object aborted mid-run still reports the run, and the stream stays gap-free", async () => {
    const { recorder, connection, session } = await openSdkSession();
    const first = connection.send("what is 1 + 1");
    await recorder.frame("agent_completed", first);
    // Idle: the object leaves memory and keeps the socket (hibernation); the next frame wakes it.
    await evictDurableObject(session);
    const id = connection.send("what is 12 * (3 + 4)?");
    await recorder.frame("agent_started", id);
    await expect(runInDurableObject(session, (_instance, state) => state.abort("reset in a test"))).rejects.toThrow();

    await recorder.state("open", 2);
    const ended = await recorder.until("the run to end", () =>
      recorder.frames.find((frame) => frame.reply_to === id && (frame.type === "agent_completed" || frame.type === "error")),
    );
    if (ended.type === "error") expect(ended.payload).toMatchObject({ code: "run_interrupted", retryable: true });
    else expectCompleteRun(recorder.runOf(id));
    expectCompleteRun(recorder.runOf(first));
    expectContiguous(recorder.seqs);
    expect(recorder.resyncs).toEqual([]);
    connection.close();
  });

  it("aborted with a message waiting behind the run: the run is reported, and the waiting message runs after the reset", async () => {
    const { auth, recorder, connection, session } = await openSdkSession();
    const first = connection.send("what is 12 * (3 + 4)?");
    const threadId = (await recorder.frame("ack", first)).thread_id ?? "";
    const waiting = connection.send("what is 2+2", { threadId });
    await recorder.frame("ack", waiting);
    await recorder.frame("agent_started", first);
    const userId = (await auth.session())?.user.id ?? "";
    expect(await runStatus(userId)).toEqual(expect.arrayContaining(["running", "queued"]));

    await expect(runInDurableObject(session, (_instance, state) => state.abort("reset in a test"))).rejects.toThrow();
    await recorder.state("open", 2);
    const ended = await recorder.until("the first run to end", () =>
      recorder.frames.find((frame) => frame.reply_to === first && (frame.type === "agent_completed" || frame.type === "error")),
    );
    if (ended.type === "error") expect(ended.payload).toMatchObject({ code: "run_interrupted", retryable: true });
    // The waiting message was recorded when it was queued: it runs now, whole.
    const answer = await recorder.frame("agent_completed", waiting);
    expect(answer.payload).toMatchObject({ status: "completed", result: "2+2 = 4" });
    expect(recorder.runOf(waiting).map((frame) => frame.type)).toContain("agent_started");
    expect((await runStatus(userId)).sort()).toEqual([ended.type === "error" ? "failed" : "completed", "completed"].sort());
    connection.close();
  });

  it("evicted (gracefully): the run finishes first, and every event arrives", async () => {
    const { auth, recorder, connection, session } = await openSdkSession();
    const id = connection.send("what is 6 * 7");
    await recorder.frame("agent_started", id);
    await evictDurableObject(session);
    await recorder.frame("agent_completed", id);
    expectCompleteRun(recorder.runOf(id));
    expect(await runStatus((await auth.session())?.user.id ?? "")).toEqual(["completed"]);
    connection.close();
  });
});
