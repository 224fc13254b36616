// A Tether socket for the workloads that wait on particular frames (the D1 round trips, W8, W9):
// each wait names the frame it wants before the frame that causes it is sent, and gets the frame
// with the moment it arrived, taken in the socket's own message handler.
import { openTetherSocket } from "./clients.ts";

export interface ServerFrame {
  type: string;
  reply_to?: string;
  payload: Record<string, unknown>;
}

export interface ArrivedFrame {
  frame: ServerFrame;
  /** performance.now() when the frame arrived. */
  at: number;
}

export interface FrameSocket {
  /** Sends a client frame; returns its id. */
  send(type: string, payload: object): string;
  /** The first frame from now on that `match` accepts; rejects after `timeoutMs`. */
  waitFor(match: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ArrivedFrame>;
  close(): Promise<void>;
}

const WAIT_TIMEOUT_MS = 30_000;

interface Waiter {
  match: (frame: ServerFrame) => boolean;
  resolve: (arrived: ArrivedFrame) => void;
}

export async function openFrameSocket(origin: string, token: string): Promise<FrameSocket> {
  const waiters = new Set<Waiter>();
  const { socket, opened, close } = openTetherSocket(origin, token, (data) => {
    const at = performance.now();
    if (waiters.size === 0) return;
    const frame = JSON.parse(data) as ServerFrame;
    for (const waiter of waiters) {
      if (!waiter.match(frame)) continue;
      waiters.delete(waiter);
      waiter.resolve({ frame, at });
    }
  });
  await opened;
  return {
    send(type, payload) {
      const id = crypto.randomUUID();
      socket.send(JSON.stringify({ type, id, payload }));
      return id;
    },
    waitFor(match, timeoutMs = WAIT_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching frame in ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter: Waiter = {
          match,
          resolve: (arrived) => {
            clearTimeout(timer);
            resolve(arrived);
          },
        };
        waiters.add(waiter);
      });
    },
    close,
  };
}

/** The frame of `type` that answers the client frame `id`. */
export const replyTo = (type: string, id: string) => (frame: ServerFrame) => frame.type === type && frame.reply_to === id;
