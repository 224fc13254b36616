import { createStore, del, get, set } from "idb-keyval";
import type { TokenResponse } from "@tether/protocol";

/** A signed-in session as the SDK keeps it: the token response plus when its access token expires. */
export interface StoredSession extends TokenResponse {
  /** Epoch milliseconds. */
  access_expires_at: number;
}

/**
 * Where the app wants the session kept. The refresh token is a long-lived credential: keep it
 * where your threat model allows (memory for the strictest; IndexedDB to survive reloads and
 * share one session across tabs).
 */
export interface TokenStore {
  get(): StoredSession | null | Promise<StoredSession | null>;
  set(session: StoredSession | null): void | Promise<void>;
  /** Calls `listener` when another tab changes the session; returns the unsubscribe. */
  subscribe?(listener: (session: StoredSession | null) => void): () => void;
}

export function memoryTokenStore(): TokenStore {
  let session: StoredSession | null = null;
  return {
    get: () => session,
    set: (next) => {
      session = next;
    },
  };
}

/** The part of the Web Storage API the store uses (`sessionStorage`, or a stand-in). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Web Storage, for one tab (`sessionStorage`). Not for a session that tabs share: browsers
 * propagate `localStorage` writes to other tabs asynchronously, so a tab can read a refresh token
 * another tab has just used — and a refresh token used twice revokes the session.
 */
export function webStorageTokenStore(storage: KeyValueStorage, key = "tether.session"): TokenStore {
  return {
    get: () => {
      try {
        return JSON.parse(storage.getItem(key) ?? "null") as StoredSession | null;
      } catch {
        return null;
      }
    },
    set: (session) => (session === null ? storage.removeItem(key) : storage.setItem(key, JSON.stringify(session))),
  };
}

/**
 * IndexedDB, for a session the tabs of an origin share and that survives reloads. A write is
 * committed before `set` resolves and every tab reads it after that (under the SDK's refresh lock,
 * the next tab to refresh sees the rotated token), and other tabs hear of each change over a
 * BroadcastChannel.
 */
/** The part of BroadcastChannel the store uses; absent in some runtimes. */
interface SessionChannel {
  postMessage(message: string): void;
  addEventListener(type: "message", listener: () => void): void;
  removeEventListener(type: "message", listener: () => void): void;
}

export function indexedDbTokenStore(name = "tether"): TokenStore {
  const database = createStore(name, "session");
  const Channel = (globalThis as { BroadcastChannel?: new (channelName: string) => SessionChannel }).BroadcastChannel;
  const channel = Channel ? new Channel(`${name}.session`) : null;
  const read = async () => (await get<StoredSession>("current", database)) ?? null;
  return {
    get: read,
    async set(session) {
      if (session === null) await del("current", database);
      else await set("current", session, database);
      channel?.postMessage(session === null ? "signed_out" : "changed");
    },
    subscribe(listener) {
      if (!channel) return () => undefined;
      const onMessage = () => void read().then(listener);
      channel.addEventListener("message", onMessage);
      return () => channel.removeEventListener("message", onMessage);
    },
  };
}
