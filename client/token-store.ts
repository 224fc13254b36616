import type { TokenResponse } from "../workers/shared/auth-api.js";

/** A signed-in session as the SDK keeps it: the token response plus when its access token expires. */
export interface StoredSession extends TokenResponse {
  /** Epoch milliseconds. */
  access_expires_at: number;
}

/**
 * Where the app wants the session kept. The refresh token is a long-lived credential: keep it
 * where your threat model allows (memory for the strictest, Web Storage to survive reloads and
 * share one session across tabs).
 */
export interface TokenStore {
  get(): StoredSession | null | Promise<StoredSession | null>;
  set(session: StoredSession | null): void | Promise<void>;
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

/** The part of the Web Storage API the store uses (`localStorage`, `sessionStorage`, or a stand-in). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `localStorage` (shared by the tabs of an origin, survives reloads) or `sessionStorage` (one tab). */
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
