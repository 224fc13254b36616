import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createAuthClient } from "../../client/index.js";
import { freshClientIp, ORIGIN, STRONG_PASSWORD, uniqueEmail } from "../support/http.js";
import { expectCompleteRun, expectContiguous, SdkRecorder } from "../support/sdk-recorder.js";
import { connectSdk, signedUpSdkUser } from "../support/workerd-sdk.js";

/**
 * The client SDK inside workerd, against the real backend and auth Workers: here a test can reach
 * into the session object and do what the platform does on a deploy — close every socket with 1012.
 */
const sessions = env.USER_SESSION;

describe("the client SDK in workerd", () => {
  it("reconnects after the server closes every socket with 1012 mid-run, resumes, and delivers each event once", async () => {
    const auth = await signedUpSdkUser("SDK");
    const recorder = new SdkRecorder(10_000);
    const connection = connectSdk(auth, recorder);
    // Sent before the socket is open: queued, then carried once.
    const early = connection.send("what is 1+1");
    await recorder.state("open");
    await recorder.frame("agent_completed", early);
    const sid = String(decodeJwt((await auth.accessToken()) ?? "").sid);

    const id = connection.send("what is 12 * (3 + 4)?");
    await recorder.frame("agent_started", id);
    await runInDurableObject(sessions.get(sessions.idFromName(sid)), (_instance, state) => {
      for (const socket of state.getWebSockets()) socket.close(1012, "restarting");
    });
    expect((await recorder.state("reconnecting")).code).toBe(1012);
    await recorder.state("open", 2);
    await recorder.frame("agent_completed", id);

    expectCompleteRun(recorder.runOf(early));
    expectCompleteRun(recorder.runOf(id));
    // Each message went out once per socket: one ack each, never a duplicate.
    expect(recorder.frames.filter((frame) => frame.type === "ack").map((frame) => frame.payload)).toEqual([
      expect.objectContaining({ duplicate: false }),
      expect.objectContaining({ duplicate: false }),
    ]);
    expect(recorder.runOf(id).at(-1)?.payload).toMatchObject({ result: "12 * (3 + 4) = 84" });
    expectContiguous(recorder.seqs);
    expect(recorder.resyncs).toEqual([]);
    connection.close();
    expect(connection.state).toBe("closed");
  });

  it("answers a request (create_thread) with its reply frame, and fails it if the connection is closed", async () => {
    const auth = await signedUpSdkUser("SDK");
    const recorder = new SdkRecorder(10_000);
    const connection = connectSdk(auth, recorder);
    // Asked before the socket is open: it waits for the connection.
    const created = await connection.request("create_thread", { name: "Plans" });
    expect(created).toMatchObject({ type: "thread_created", payload: { thread: { name: "Plans" } } });
    const pending = connection.request("list_threads", {});
    connection.close();
    await expect(pending).rejects.toMatchObject({ name: "RequestFailed" });
  });
});

describe("the SDK's auth client", () => {
  it("refreshes once for concurrent callers, and the session survives (no refresh-token reuse)", async () => {
    const counter = { refreshes: 0 };
    const auth = await signedUpSdkUser("SDK", counter);
    const stale = await auth.accessToken();
    const tokens = await Promise.all([1, 2, 3].map(() => auth.accessToken({ replacing: stale })));
    expect(counter.refreshes).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(stale);
    const me = await exports.default.fetch(`${ORIGIN}/auth/me`, { headers: { Authorization: `Bearer ${tokens[0]}` } });
    expect(me.status).toBe(200);
  });

  it("forgets the session when the refresh token is refused, and signs out on logout", async () => {
    const auth = await signedUpSdkUser("SDK");
    const token = await auth.accessToken();
    await auth.logout();
    expect(await auth.session()).toBeNull();
    expect(await auth.accessToken()).toBeNull();
    const me = await exports.default.fetch(`${ORIGIN}/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
  });
});

describe("the SDK's device token against the auth Worker", () => {
  it("presents the token its sign-up received at the next sign-in, after a sign-out, and the server admits it", async () => {
    const logins: Array<Record<string, unknown>> = [];
    const email = uniqueEmail("SDK");
    const auth = createAuthClient({
      baseUrl: ORIGIN,
      fetch: (url, init) => {
        if (url.endsWith("/auth/login") && typeof init?.body === "string") logins.push(JSON.parse(init.body) as Record<string, unknown>);
        return exports.default.fetch(url, { ...init, headers: { ...init?.headers, "CF-Connecting-IP": freshClientIp() } });
      },
    });
    await auth.register({ email, password: STRONG_PASSWORD, name: "SDK" });
    await auth.logout();
    const session = await auth.login({ email, password: STRONG_PASSWORD });
    expect(logins).toEqual([{ email, password: STRONG_PASSWORD, device_token: expect.any(String) }]);
    expect(await auth.session()).toEqual(session);
  });
});
