import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type TetherConnection } from "../../client/index.js";
import { signedUpAuthClient } from "../support/sdk-user.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import type { TcpProxy } from "../support/node/tcp-proxy.js";
import { expectCompleteRun, expectContiguous, SdkRecorder } from "../support/sdk-recorder.js";

/**
 * A connection that dies without a close — the proxy black-holes it: both ends stay open and
 * nothing passes, as behind a NAT that forgot the flow. The SDK's heartbeat notices, its connect
 * timeout gives up on attempts that hang in the hole, and once the network is back it resumes with
 * nothing lost or duplicated. Deadlines are short here; the defaults are 25 s + 10 s.
 */
const LIVENESS = { heartbeatIntervalMs: 300, heartbeatTimeoutMs: 300, connectTimeoutMs: 600 };

describe("the SDK on a silently dead connection", () => {
  let stack: LocalStack;
  let proxy: TcpProxy;
  const open: TetherConnection[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ proxy: true });
    if (!stack.proxy) throw new Error("the stack has no proxy");
    proxy = stack.proxy;
  });

  afterEach(() => {
    proxy.restore();
    for (const connection of open.splice(0)) connection.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const signedUp = () => signedUpAuthClient(stack.backend.origin, "alive");

  it("notices within the heartbeat deadline, retries past hung attempts, and resumes with nothing lost or duplicated", async () => {
    const auth = await signedUp();
    const recorder = new SdkRecorder();
    const asked: Array<{ reason: string; current: string | null }> = [];
    const connection = connect({
      url: `${stack.origin.replace("http", "ws")}/ws`,
      getAccessToken: (request) => {
        asked.push(request);
        return auth.accessToken({ replacing: request.current });
      },
      backoff: { initialDelayMs: 50, maxDelayMs: 200 },
      ...LIVENESS,
      ...recorder.handlers,
    });
    open.push(connection);
    await recorder.state("open");
    const before = connection.send("what is 2+2");
    await recorder.frame("agent_completed", before);
    proxy.blackHole();
    // Sent into the hole: the SDK cannot know yet; the message waits for its ack.
    const lost = connection.send("what is 3+3");
    const noticed = await recorder.state("reconnecting");
    expect(noticed.reason).toBe("heartbeat_timeout");
    const attemptsInTheHole = proxy.connections;
    // Attempts hang in the hole: each is given up after the connect timeout, and tried again.
    await proxy.connectionsReached(attemptsInTheHole + 2);
    expect(connection.state).toBe("reconnecting");
    proxy.restore();
    await recorder.state("open", 2);
    const answered = await recorder.frame("agent_completed", lost);
    expect(answered.payload.result).toBe("3+3 = 6");
    expectCompleteRun(recorder.runOf(lost));
    expect(recorder.frames.filter((frame) => frame.type === "ack" && frame.payload.duplicate)).toEqual([]);
    expectContiguous(recorder.seqs);
    expect(connection.unacknowledged).toBe(0);
    // Every attempt asked for a token, none for a new one: the token was still good (no refresh spent).
    expect(asked.length).toBeGreaterThanOrEqual(3); // the first connect and at least two attempts after the drop
    expect(asked.every((request) => request.reason === "connect" && request.current === null)).toBe(true);
  });
});

describe("the SDK and session_revoked", () => {
  /** A socket that delivers what the server would send on a revocation, and never closes. */
  class RevokedSocket extends EventTarget {
    readyState = 0;
    constructor() {
      super();
      queueMicrotask(() => {
        this.readyState = 1;
        const frame = (type: string, payload: object) =>
          new MessageEvent("message", {
            data: JSON.stringify({ type, event_id: crypto.randomUUID(), timestamp: new Date().toISOString(), payload }),
          });
        const established = {
          user_id: "u",
          session_id: "s",
          token_expires_at: new Date(Date.now() + 60_000).toISOString(),
          resumed_from: null,
          last_seq: 0,
          server_time: new Date().toISOString(),
        };
        this.dispatchEvent(frame("connection_established", established));
        this.dispatchEvent(frame("session_revoked", { reason: "logout_all" }));
      });
    }
    send(): void {}
    close(): void {}
  }

  it("signs out on the frame at once, without waiting for a close that may never come", async () => {
    const recorder = new SdkRecorder(5_000);
    const connection = connect({
      url: "ws://127.0.0.1:9/ws",
      getAccessToken: async () => "token",
      WebSocket: RevokedSocket as unknown as typeof WebSocket,
      ...recorder.handlers,
    });
    const signedOut = await recorder.state("signed_out");
    expect(signedOut).toMatchObject({ code: 4003, reason: "session_revoked" });
    expect(recorder.frames.map((frame) => frame.type)).toEqual(["connection_established", "session_revoked"]);
    expect(connection.state).toBe("signed_out");
  });
});
