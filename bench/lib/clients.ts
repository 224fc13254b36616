// One client per peer, each a real WebSocket client (Node's own, or socket.io-client over its
// WebSocket transport), with the same three operations: connect with a token, a round trip, and —
// where the peer has one — a user message answered when its work is done.
import { io, type Socket as SocketIoSocket } from "socket.io-client";

export type PeerName = "tether" | "floor" | "partyserver" | "agents" | "socket.io";

export interface Connection {
  /** One round trip: Tether `ping` → `pong`; the others echo. */
  ping(): Promise<void>;
  /**
   * Tether: `user_message` → `agent_completed`; the Agents SDK: a scripted run of the same frames →
   * `agent_completed`; floor: the same D1 batches → `done`.
   */
  message(content: string): Promise<void>;
  /** Closes and resolves once the close is complete (or after a short grace). */
  close(): Promise<void>;
  /** The server closed it (or the network did) while the harness still held it. */
  readonly dropped: boolean;
}

export interface PeerClient {
  name: PeerName;
  /** Resolves once the peer accepted the token and the socket is usable. */
  connect(token: string, room: string): Promise<Connection>;
}

const TIMEOUT_MS = 30_000;
const CLOSE_GRACE_MS = 5_000;

/** Replies matched to requests by a key: Tether's `reply_to`, or the echoed text itself. */
class Pending {
  private readonly waiting = new Map<string, () => void>();

  expect(key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply for ${key.slice(0, 40)} in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  settle(key: string): void {
    const resolve = this.waiting.get(key);
    this.waiting.delete(key);
    resolve?.();
  }
}

/** A Node WebSocket that resolves on `open`, or on a first frame when `ready` says so. */
function openWebSocket(url: string, protocols: string[], onFrame: (data: string) => void, ready?: (data: string) => boolean) {
  const socket = new WebSocket(url, protocols);
  const state = { dropped: false, closing: false };
  socket.addEventListener("close", () => {
    if (!state.closing) state.dropped = true;
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener("close", (event) => reject(new Error(`closed ${event.code} ${event.reason}`)), { once: true });
    if (!ready) socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("message", (event) => {
      const data = String(event.data);
      if (ready?.(data)) resolve();
      onFrame(data);
    });
  });
  const close = () => {
    state.closing = true;
    if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      socket.addEventListener("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close();
    });
  };
  return { socket, opened, state, close };
}

/** A socket on Tether's `/ws` with the token as a subprotocol, usable once `connection_established` came. */
export function openTetherSocket(origin: string, token: string, onFrame: (data: string) => void) {
  return openWebSocket(`${origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${token}`], onFrame, (data) =>
    data.includes('"type":"connection_established"'),
  );
}

export function tetherClient(origin: string): PeerClient {
  return {
    name: "tether",
    async connect(token) {
      const pending = new Pending();
      const { socket, opened, state, close } = openTetherSocket(origin, token, (data) => {
        const frame = JSON.parse(data) as { type: string; reply_to?: string };
        if (frame.reply_to && (frame.type === "pong" || frame.type === "agent_completed" || frame.type === "error"))
          pending.settle(frame.reply_to);
      });
      await opened;
      const request = (type: string, payload: object) => {
        const id = crypto.randomUUID();
        const reply = pending.expect(id);
        socket.send(JSON.stringify({ type, id, payload }));
        return reply;
      };
      return {
        ping: () => request("ping", {}),
        message: (content) => request("user_message", { content }),
        close,
        get dropped() {
          return state.dropped;
        },
      };
    },
  };
}

/**
 * The floor, partyserver and the Agents SDK: an echo over a plain WebSocket; a user message ends
 * with the floor's `done` or the agent's `agent_completed` (other JSON frames, such as the Agents
 * SDK's own on connect, are not replies).
 */
function echoClient(name: "floor" | "partyserver" | "agents", urlFor: (token: string, room: string) => string): PeerClient {
  return {
    name,
    async connect(token, room) {
      const pending = new Pending();
      const { socket, opened, state, close } = openWebSocket(urlFor(token, room), [], (data) => {
        if (!data.startsWith("{")) return pending.settle(data);
        const frame = JSON.parse(data) as { type?: string; reply_to?: string };
        if (frame.reply_to && (frame.type === "done" || frame.type === "agent_completed")) pending.settle(frame.reply_to);
      });
      await opened;
      let count = 0;
      return {
        ping: () => {
          const text = `ping ${(count += 1)}`;
          const reply = pending.expect(text);
          socket.send(text);
          return reply;
        },
        message: (content) => {
          const id = crypto.randomUUID();
          const reply = pending.expect(id);
          socket.send(JSON.stringify({ type: "user_message", id, content }));
          return reply;
        },
        close,
        get dropped() {
          return state.dropped;
        },
      };
    },
  };
}

export const floorClient = (origin: string) =>
  echoClient("floor", (_token, room) => `${origin.replace("http", "ws")}/ws?room=${encodeURIComponent(room)}`);

export const partyserverClient = (origin: string) =>
  echoClient(
    "partyserver",
    (token, room) => `${origin.replace("http", "ws")}/parties/echo-room/${encodeURIComponent(room)}?token=${token}`,
  );

export const agentsClient = (origin: string) =>
  echoClient("agents", (token, room) => `${origin.replace("http", "ws")}/agents/bench-agent/${encodeURIComponent(room)}?token=${token}`);

export function socketIoClient(origin: string): PeerClient {
  return {
    name: "socket.io",
    async connect(token) {
      const socket: SocketIoSocket = io(origin, {
        transports: ["websocket"],
        auth: { token },
        reconnection: false,
        forceNew: true,
        timeout: TIMEOUT_MS,
      });
      const state = { dropped: false, closing: false };
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", (error) => reject(error));
      });
      socket.on("disconnect", () => {
        if (!state.closing) state.dropped = true;
      });
      let count = 0;
      return {
        ping: async () => {
          await socket.timeout(TIMEOUT_MS).emitWithAck("echo", (count += 1));
        },
        message: () => Promise.reject(new Error("socket.io has no message workload")),
        close: async () => {
          state.closing = true;
          socket.close();
        },
        get dropped() {
          return state.dropped;
        },
      };
    },
  };
}

/** Each peer's client by name (for a process that holds sockets for the harness). */
export const CLIENTS: Record<PeerName, (origin: string) => PeerClient> = {
  tether: tetherClient,
  floor: floorClient,
  partyserver: partyserverClient,
  agents: agentsClient,
  "socket.io": socketIoClient,
};
