import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type AuthClient, type ConnectOptions, type TetherConnection } from "../../client/index.js";
import { signedUpAuthClient } from "../support/sdk-user.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import type { TcpProxy } from "../support/node/tcp-proxy.js";
import { expectCompleteRun, expectContiguous, SdkRecorder } from "../support/sdk-recorder.js";

/**
 * The client SDK in Node against the real Workers in `wrangler dev`, through a TCP proxy that can
 * cut the network. Access tokens live 8 s and sockets are warned 5 s before expiry, so every
 * connection here lives through token refreshes.
 */
const ACCESS_TOKEN_TTL_SECONDS = 8;
const BACKOFF = { initialDelayMs: 50, maxDelayMs: 400 };

describe("the client SDK against wrangler dev", () => {
  let stack: LocalStack;
  let proxy: TcpProxy;
  const open: TetherConnection[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      authVars: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) },
      backendVars: { TOKEN_REFRESH_LEAD_SECONDS: "5" },
      proxy: true,
    });
    if (!stack.proxy) throw new Error("the stack has no proxy");
    proxy = stack.proxy;
  });

  afterEach(() => {
    for (const connection of open.splice(0)) connection.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  // HTTP goes straight to the backend: the proxy carries the sockets alone, so it counts them.
  const signedUp = () => signedUpAuthClient(stack.backend.origin, "sdk");

  function connected(auth: AuthClient, recorder: SdkRecorder, overrides: Partial<ConnectOptions> = {}): TetherConnection {
    const connection = connect({
      url: `${stack.origin.replace("http", "ws")}/ws`,
      getAccessToken: ({ current }) => auth.accessToken({ replacing: current }),
      backoff: BACKOFF,
      ...recorder.handlers,
      ...overrides,
    });
    open.push(connection);
    return connection;
  }

  it("keeps one socket through in-band refreshes past the first token's expiry", async () => {
    const auth = await signedUp();
    const recorder = new SdkRecorder();
    const before = proxy.connections;
    const connection = connected(auth, recorder);
    await recorder.state("open");
    const firstExpiry = connection.tokenExpiresAt?.getTime() ?? 0;
    await recorder.state("refreshing");
    await recorder.until("a second refresh", () => recorder.states.filter((entry) => entry.state === "refreshing").length >= 2);
    await recorder.until(
      "the socket outliving the first token",
      () => Date.now() > firstExpiry && (connection.tokenExpiresAt?.getTime() ?? 0) > firstExpiry,
    );
    const id = connection.send("what is 20+22");
    expect((await recorder.frame("agent_completed", id)).payload).toMatchObject({ result: "20+22 = 42" });
    expect(proxy.connections - before).toBe(1);
    expect(recorder.states.map((entry) => entry.state)).not.toContain("reconnecting");
  });

  it("survives a network drop mid-run: it reconnects, resumes, and every event arrives once, in order", async () => {
    const auth = await signedUp();
    const recorder = new SdkRecorder();
    const connection = connected(auth, recorder);
    await recorder.state("open");
    const before = proxy.connections;

    const first = connection.send("what is 12 * (3 + 4)?");
    await recorder.frame("agent_started", first);
    proxy.dropAll();
    await recorder.state("reconnecting");
    // Sent while disconnected: queued with its id, sent once the connection is back.
    const queued = connection.send("what is 1+1");
    expect(connection.unacknowledged).toBeGreaterThanOrEqual(1);

    await recorder.frame("agent_completed", first);
    await recorder.frame("agent_completed", queued);
    expectCompleteRun(recorder.runOf(first));
    expectCompleteRun(recorder.runOf(queued));
    expect(recorder.runOf(first).at(-1)?.payload).toMatchObject({ result: "12 * (3 + 4) = 84" });
    expect(recorder.runOf(queued).filter((frame) => frame.type === "ack")).toHaveLength(1);
    // Both acks came before any drop could hide them: neither message was sent twice.
    expect(recorder.frames.filter((frame) => frame.type === "ack" && frame.payload.duplicate)).toEqual([]);
    expectContiguous(recorder.seqs);
    expect(recorder.states.find((entry) => entry.state === "reconnecting")?.code).toBe(1006);
    expect(proxy.connections - before).toBe(1);
    expect(connection.unacknowledged).toBe(0);
  });

  it("a tool approval waits out a network drop: the request arrives on both connections, the answer queued offline goes out after", async () => {
    const auth = await signedUp();
    const recorder = new SdkRecorder();
    const other = new SdkRecorder();
    const connection = connected(auth, recorder);
    connected(auth, other);
    await recorder.state("open");
    await other.state("open");
    const id = connection.send("send me a summary, please");
    const request = await recorder.frame("tool_approval_requested", id);
    expect((await other.frame("tool_approval_requested", id)).payload.approval_id).toBe(request.payload.approval_id);

    proxy.dropAll();
    await recorder.state("reconnecting");
    const answer = connection.approve(request.payload.approval_id, true);
    expect(connection.unacknowledged).toBe(1);
    await recorder.frame("ack", answer);
    const completed = await recorder.frame("agent_completed", id);
    expect(completed.payload).toMatchObject({ status: "completed", result: expect.stringMatching(/^Sent the summary to /) });
    expect((await other.frame("agent_completed", id)).payload.run_id).toBe(request.payload.run_id);
    expectCompleteRun(recorder.runOf(id));
    expectContiguous(recorder.seqs);
    expect(connection.unacknowledged).toBe(0);
  });

  it("on 4001 fetches a fresh token and reconnects with resume_after, losing nothing", async () => {
    const auth = await signedUp();
    const recorder = new SdkRecorder();
    const reasons: string[] = [];
    const connection = connected(auth, recorder, {
      // An app that cannot refresh in-band (say, it was offline at the warning).
      getAccessToken: async (request) => {
        reasons.push(request.reason);
        if (request.reason === "expiring") throw new Error("offline");
        return auth.accessToken({ replacing: request.current });
      },
    });
    await recorder.state("open");
    const before = connection.send("what is 2*3");
    await recorder.frame("agent_completed", before);

    const reconnecting = await recorder.state("reconnecting");
    expect(reconnecting.code).toBe(4001);
    await recorder.state("open", 2);
    expect(reasons).toEqual(expect.arrayContaining(["connect", "expiring", "expired"]));
    const after = connection.send("what is 3*4");
    expect((await recorder.frame("agent_completed", after)).payload).toMatchObject({ result: "3*4 = 12" });
    expectContiguous(recorder.seqs);
  });

  it("signs out on 4003 when the session is logged out elsewhere, and never tries again", async () => {
    const auth = await signedUp();
    const recorder = new SdkRecorder();
    connected(auth, recorder);
    await recorder.state("open");
    const before = proxy.connections;
    await auth.logout();
    const signedOut = await recorder.state("signed_out");
    expect(signedOut.code).toBe(4003);
    // Three times the longest backoff: a reconnect loop would have shown by now.
    await new Promise((resolve) => setTimeout(resolve, 3 * BACKOFF.maxDelayMs));
    expect(proxy.connections).toBe(before);
    expect(recorder.states.at(-1)?.state).toBe("signed_out");
  });

  it("signs out on 4401 for a token the server does not accept, after one attempt", async () => {
    const recorder = new SdkRecorder();
    const before = proxy.connections;
    const connection = connect({
      url: `${stack.origin.replace("http", "ws")}/ws`,
      getAccessToken: async () => "not-a-token",
      backoff: BACKOFF,
      ...recorder.handlers,
    });
    open.push(connection);
    expect((await recorder.state("signed_out")).code).toBe(4401);
    expect(proxy.connections - before).toBe(1);
  });
});
