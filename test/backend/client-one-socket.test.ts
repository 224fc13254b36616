import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { connect, type ConnectionState, type ConnectOptions, type ServerFrame, type TetherConnection } from "../../client/index.js";

/**
 * docs/protocol.md, "The client SDK holds at most one socket per connection": the SDK against a fake
 * WebSocket the test plays the server of, under fake timers, with the browser's `online` and
 * `visibilitychange` hints fired by hand. Whether a socket is "open" is what the client did to it:
 * one it has not closed (and the server has not) is open.
 */
class FakeSocket extends EventTarget {
  readyState = 0;
  readonly sent: Array<{ type: string }> = [];
  closedByClient: { code?: number; reason?: string } | null = null;
  readonly createdAt = Date.now();

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    super();
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("InvalidStateError: the socket is not open");
    this.sent.push(JSON.parse(data) as { type: string });
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.closedByClient = { code, reason };
  }

  /** The server accepts and welcomes — whether or not the client still wants this socket. */
  welcome(): void {
    this.readyState = 1;
    this.deliver({
      type: "connection_established",
      event_id: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      payload: {
        user_id: "user-1",
        session_id: "session-1",
        token_expires_at: new Date(Date.now() + 900_000).toISOString(),
        resumed_from: null,
        last_seq: 0,
        server_time: new Date().toISOString(),
      },
    });
  }

  deliver(frame: ServerFrame): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }

  serverClose(code: number, reason = ""): void {
    this.readyState = 3;
    this.dispatchEvent(new CloseEvent("close", { code, reason }));
  }

  get open(): boolean {
    return this.readyState <= 1;
  }
}

/** The page's hint sources, stubbed onto the global scope the SDK listens on. */
function stubPlatform() {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: "visible" });
  vi.stubGlobal("addEventListener", window.addEventListener.bind(window));
  vi.stubGlobal("removeEventListener", window.removeEventListener.bind(window));
  vi.stubGlobal("document", document);
  return {
    /** A laptop waking: the page becomes visible and the network comes back in the same moment. */
    wake(): void {
      document.dispatchEvent(new Event("visibilitychange"));
      window.dispatchEvent(new Event("online"));
    },
  };
}

let connection: TetherConnection | null = null;

/** A connection over fake sockets; `onSocket` plays the server for each new one. */
function connectFake(options: Partial<ConnectOptions> & { onSocket?: (socket: FakeSocket, index: number) => void } = {}) {
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const events: ServerFrame[] = [];
  const { onSocket, ...connectOptions } = options;
  class ServedSocket extends FakeSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
      sockets.push(this);
      if (onSocket) queueMicrotask(() => onSocket(this, sockets.length - 1));
    }
  }
  connection = connect({
    url: "wss://app.example/ws",
    getAccessToken: async () => "access-token",
    WebSocket: ServedSocket as unknown as NonNullable<ConnectOptions["WebSocket"]>,
    backoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
    // The heartbeat's pings are not what these tests are about.
    heartbeatIntervalMs: 0,
    onStateChange: (state) => states.push(state),
    onEvent: (frame) => events.push(frame),
    ...connectOptions,
  });
  return { connection, sockets, states, events, open: () => sockets.filter((socket) => socket.open) };
}

/** Lets promises settle and timers due by then run. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Connected once, then dropped (1006): the connection is reconnecting and its next socket is opening. */
async function reconnectingWithAttemptOpening(options: Partial<ConnectOptions> = {}) {
  const fake = connectFake(options);
  await elapse(0);
  fake.sockets[0]?.welcome();
  fake.sockets[0]?.serverClose(1006);
  await elapse(100);
  expect(fake.sockets).toHaveLength(2);
  expect(fake.connection.state).toBe("reconnecting");
  return fake;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  connection?.close();
  connection = null;
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the SDK's connection holds one socket", () => {
  it("opens one socket when the page becomes visible and the network comes back at once, closing the attempt still opening", async () => {
    const platform = stubPlatform();
    const fake = await reconnectingWithAttemptOpening();
    await elapse(1_500);
    platform.wake();
    await elapse(0);
    expect(fake.sockets).toHaveLength(3);
    expect(fake.open()).toEqual([fake.sockets[2]]);
    expect(fake.sockets[1]?.closedByClient).toEqual({ code: 4000, reason: "superseded" });
  });

  it("opens one socket when retryNow is called several times in a row", async () => {
    const fake = connectFake({ backoff: { initialDelayMs: 5_000, maxDelayMs: 5_000 } });
    await elapse(0);
    fake.sockets[0]?.welcome();
    await elapse(5_000);
    fake.sockets[0]?.serverClose(1011);
    // Each call lands once the one before it has its socket opening (a user tapping "reconnect").
    for (let call = 0; call < 4; call += 1) {
      fake.connection.retryNow();
      await elapse(10);
    }
    expect(fake.sockets).toHaveLength(2);
    fake.sockets[1]?.welcome();
    // The backoff delay the first retryNow cut short runs out: it opens nothing.
    await elapse(10_000);
    expect(fake.sockets).toHaveLength(2);
    expect(fake.open()).toEqual([fake.sockets[1]]);
    expect(fake.connection.state).toBe("open");
  });

  it("leaves an attempt opened a moment ago alone, and retries once when the debounce is over if that attempt failed", async () => {
    const platform = stubPlatform();
    const fake = await reconnectingWithAttemptOpening({ backoff: { initialDelayMs: 100, maxDelayMs: 30_000 } });
    platform.wake();
    await elapse(0);
    expect(fake.sockets).toHaveLength(2);
    fake.sockets[1]?.serverClose(1006);
    platform.wake();
    await elapse(0);
    expect(fake.sockets).toHaveLength(2);
    // One retry for both hints, a second after the attempt began — not a backoff delay later.
    await elapse(900);
    expect(fake.sockets).toHaveLength(3);
    expect(fake.open()).toEqual([fake.sockets[2]]);
  });

  it("ignores a superseded attempt's late welcome: no open state, no ping, no queued message sent", async () => {
    const platform = stubPlatform();
    const fake = await reconnectingWithAttemptOpening();
    fake.connection.send("sent while reconnecting");
    await elapse(1_500);
    platform.wake();
    await elapse(0);
    const [, stale, live] = fake.sockets;
    stale?.welcome();
    expect(fake.connection.state).toBe("reconnecting");
    expect(stale?.sent).toEqual([]);
    expect(fake.events.filter((frame) => frame.type === "connection_established")).toHaveLength(1);

    live?.welcome();
    expect(fake.connection.state).toBe("open");
    expect(live?.sent.map((frame) => frame.type)).toEqual(["ping", "user_message"]);
    expect(stale?.sent).toEqual([]);
  });

  it("keeps the live socket when a superseded attempt, welcomed late, is closed 4001", async () => {
    const platform = stubPlatform();
    const fake = await reconnectingWithAttemptOpening();
    await elapse(1_500);
    platform.wake();
    await elapse(0);
    const [, stale, live] = fake.sockets;
    live?.welcome();
    stale?.welcome();
    stale?.serverClose(4001, JSON.stringify({ code: "token_expired", message: "expired" }));
    await elapse(5_000);
    expect(fake.connection.state).toBe("open");
    expect(fake.sockets).toHaveLength(3);
    expect(fake.open()).toEqual([live]);
    expect(live?.closedByClient).toBeNull();
  });
});

describe("the SDK's reconnect backoff", () => {
  it("waits a full-jitter delay within [0, min(cap, initial · 2^n)] before each attempt", async () => {
    const failures = 7;
    const fake = connectFake({
      onSocket: (socket, index) => (index < failures ? socket.serverClose(1006) : socket.welcome()),
    });
    await elapse(10_000);
    expect(fake.sockets).toHaveLength(failures + 1);
    expect(fake.connection.state).toBe("open");
    const waits = fake.sockets.slice(1).map((socket, index) => socket.createdAt - (fake.sockets[index]?.createdAt ?? 0));
    const caps = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    waits.forEach((wait, index) => {
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(caps[index] ?? 0);
    });
  });

  it("keeps counting across connections that drop within 10 s, and starts over after one that stayed up 10 s", async () => {
    // The top of each jitter range, so each wait shows its cap.
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);
    const fake = connectFake({ backoff: { initialDelayMs: 100, maxDelayMs: 10_000 }, onSocket: (socket) => socket.welcome() });
    const waitAfterDrop = async (upForMs: number) => {
      const count = fake.sockets.length;
      await elapse(upForMs);
      const droppedAt = Date.now();
      fake.sockets[count - 1]?.serverClose(1011);
      // To the backoff delay's end and no further: the new socket must not stay up 10 s here.
      await vi.advanceTimersToNextTimerAsync();
      expect(fake.sockets).toHaveLength(count + 1);
      return (fake.sockets[count]?.createdAt ?? 0) - droppedAt;
    };
    await elapse(0);
    expect(await waitAfterDrop(2_000)).toBe(100);
    expect(await waitAfterDrop(2_000)).toBe(200);
    expect(await waitAfterDrop(2_000)).toBe(400);
    expect(await waitAfterDrop(10_000)).toBe(100);
  });

  it("reconnects at once on 4001, and a failure right after waits as the count since the last stable connection says", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);
    const fake = connectFake({ onSocket: (socket, index) => (index === 2 ? socket.serverClose(1006) : socket.welcome()) });
    await elapse(2_000);
    fake.sockets[0]?.serverClose(1011);
    await vi.advanceTimersToNextTimerAsync();
    expect(fake.sockets).toHaveLength(2);
    await elapse(1_000);
    const expiredAt = Date.now();
    fake.sockets[1]?.serverClose(4001, JSON.stringify({ code: "token_expired", message: "expired" }));
    await elapse(0);
    expect((fake.sockets[2]?.createdAt ?? 0) - expiredAt).toBe(0);
    await vi.advanceTimersToNextTimerAsync();
    // One delayed attempt (after the 1011) since a connection was last up 10 s: the cap is 100 · 2¹.
    expect((fake.sockets[3]?.createdAt ?? 0) - (fake.sockets[2]?.createdAt ?? 0)).toBe(200);
    expect(fake.connection.state).toBe("open");
  });
});
