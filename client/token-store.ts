/**
 * @module
 * Where the auth client keeps what sign-in hands the app: the session (access and refresh tokens)
 * and, apart from it, each account's device token — in memory, Web Storage or IndexedDB.
 */
import { createStore, del, get, set, update } from "idb-keyval";
import type { TokenResponse } from "@tether/protocol";

/**
 * A signed-in session as the SDK keeps it: the token response plus when its access token expires.
 * The device token is not part of it: it outlives the session (see `TokenStore.setDeviceToken`).
 */
export interface StoredSession extends Omit<TokenResponse, "device_token"> {
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
  /**
   * The device token last issued to `account` (an `accountKey`) on this device, or null. It lets
   * the owner sign in while the account refuses password sign-ins from unknown devices after a
   * flood of wrong guesses; it is no credential for anything else. A store without these two
   * methods keeps device tokens in the auth client's memory only.
   */
  getDeviceToken?(account: string): string | null | Promise<string | null>;
  /** Keeps `token` for `account`, replacing the older one. `set(null)` (sign-out) leaves it in place. */
  setDeviceToken?(account: string, token: string): void | Promise<void>;
}

/**
 * The key device tokens are kept under: the address as the server compares addresses (the domain
 * as its IDNA A-label, lower case; the local part in NFC with only ASCII letters lower-cased), so
 * `Ada@Example.COM` typed at sign-in finds the token stored under the `ada@example.com` the server
 * answered with. An address the URL parser refuses is kept as typed: it finds nothing, which only
 * means the device counts as unknown.
 */
export function accountKey(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed;
  const local = trimmed
    .slice(0, at)
    .normalize("NFC")
    .replace(/[A-Z]/g, (letter) => letter.toLowerCase());
  try {
    return `${local}@${new URL(`http://${trimmed.slice(at + 1)}`).hostname}`;
  } catch {
    return trimmed;
  }
}

export function memoryTokenStore(): TokenStore {
  let session: StoredSession | null = null;
  const deviceTokens = new Map<string, string>();
  return {
    get: () => session,
    set: (next) => {
      session = next;
    },
    getDeviceToken: (account) => deviceTokens.get(account) ?? null,
    setDeviceToken: (account, token) => {
      deviceTokens.set(account, token);
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
  const read = <T>(itemKey: string, fallback: T): T => {
    try {
      return (JSON.parse(storage.getItem(itemKey) ?? "null") as T | null) ?? fallback;
    } catch {
      return fallback;
    }
  };
  // A key of its own, so that removing the session on sign-out leaves the device tokens.
  const devicesKey = `${key}.devices`;
  return {
    get: () => read<StoredSession | null>(key, null),
    set: (session) => (session === null ? storage.removeItem(key) : storage.setItem(key, JSON.stringify(session))),
    getDeviceToken: (account) => read<Record<string, string>>(devicesKey, {})[account] ?? null,
    setDeviceToken: (account, token) =>
      storage.setItem(devicesKey, JSON.stringify({ ...read<Record<string, string>>(devicesKey, {}), [account]: token })),
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
    getDeviceToken: async (account) => (await get<Record<string, string>>("devices", database))?.[account] ?? null,
    // One read-modify-write transaction: two tabs signing in to two accounts keep both tokens.
    setDeviceToken: (account, token) =>
      update<Record<string, string>>("devices", (devices) => ({ ...devices, [account]: token }), database),
  };
}
