/**
 * @module
 * Register, sign in (password or a provider), refresh and sign out against the auth routes,
 * keeping the session in the app's TokenStore. Refreshes are single-flight, and with Web Locks
 * (every current browser) also across the tabs that share a store: refresh tokens rotate and a
 * second use of one revokes the session, so two tabs must never refresh with the same token.
 */
import type { TokenResponse } from "../workers/shared/auth-api.js";
import { TetherApiError } from "./errors.js";
import { memoryTokenStore, type StoredSession, type TokenStore } from "./token-store.js";

export interface AuthClientOptions {
  /** The origin that serves `/auth/*`; the page's own origin when omitted in a browser. */
  baseUrl?: string;
  /** Where the session is kept; memory by default. */
  store?: TokenStore;
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

export interface AccessTokenOptions {
  /** A token this close to its expiry is refreshed first. */
  minValidityMs?: number;
  /** The caller has this token and needs a newer one (it is expiring, or was refused). */
  replacing?: string | null;
}

export interface AuthClient {
  register(input: { email: string; password: string; name: string }): Promise<StoredSession>;
  login(input: { email: string; password: string }): Promise<StoredSession>;
  /** Where to send the browser to sign in with a provider; it comes back to `returnTo`. */
  providerSignInUrl(provider: string, returnTo: string): string;
  /** Finishes a provider sign-in from the URL fragment it returned with; null when it holds none. */
  completeProviderSignIn(fragment: string): Promise<StoredSession | null>;
  /** A usable access token, refreshed when needed; null when signed out. */
  accessToken(options?: AccessTokenOptions): Promise<string | null>;
  /** Rotates the refresh token now; null (and the store cleared) when the session is over. */
  refresh(replacing?: string | null): Promise<StoredSession | null>;
  logout(): Promise<void>;
  session(): Promise<StoredSession | null>;
  /** Another tab signed in, refreshed or signed out (stores that can tell: IndexedDB). */
  onSessionChange(listener: (session: StoredSession | null) => void): () => void;
}

const REFRESH_LOCK = "tether.refresh";
const DEFAULT_MIN_VALIDITY_MS = 30_000;

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function crossTabLock(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks && typeof locks.request === "function" ? locks : null;
}

export function createAuthClient(options: AuthClientOptions = {}): AuthClient {
  const store = options.store ?? memoryTokenStore();
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
  const fetcher = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  let inFlight: Promise<StoredSession | null> | null = null;

  async function post(path: string, body: unknown, token?: string): Promise<Response> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetcher(`${baseUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    } catch (error) {
      throw new TetherApiError("network_error", error instanceof Error ? error.message : "The request failed.", 0);
    }
  }

  async function signedIn(response: Response): Promise<StoredSession> {
    if (!response.ok) throw await TetherApiError.from(response);
    const tokens = (await response.json()) as TokenResponse;
    const session: StoredSession = { ...tokens, access_expires_at: Date.now() + tokens.expires_in * 1000 };
    await store.set(session);
    return session;
  }

  // A short-lived token (tests, strict deployments) is still usable for a third of its lifetime.
  const usable = (session: StoredSession, minValidityMs: number) =>
    session.access_expires_at - Date.now() > Math.min(minValidityMs, (session.expires_in * 1000) / 3);

  async function rotate(replacing: string | null | undefined): Promise<StoredSession | null> {
    const current = await store.get();
    if (!current) return null;
    // Another tab (or an earlier call) has already replaced the token the caller holds.
    if (replacing && current.access_token !== replacing && usable(current, 0)) return current;
    const response = await post("/auth/refresh", { refresh_token: current.refresh_token });
    if (response.ok) return signedIn(response);
    const error = await TetherApiError.from(response);
    // The session is over (logged out, revoked, expired): forget it. Anything else may pass.
    if (error.code === "invalid_refresh_token") {
      await store.set(null);
      return null;
    }
    throw error;
  }

  function refresh(replacing?: string | null): Promise<StoredSession | null> {
    inFlight ??= (async () => {
      try {
        const lock = crossTabLock();
        return await (lock ? lock.request(REFRESH_LOCK, () => rotate(replacing)) : rotate(replacing));
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  async function accessToken({ minValidityMs = DEFAULT_MIN_VALIDITY_MS, replacing = null }: AccessTokenOptions = {}) {
    const session = await store.get();
    if (!session) return null;
    if (session.access_token !== replacing && usable(session, minValidityMs)) return session.access_token;
    return (await refresh(replacing ?? session.access_token))?.access_token ?? null;
  }

  return {
    register: async (input) => signedIn(await post("/auth/register", input)),
    login: async (input) => signedIn(await post("/auth/login", input)),
    providerSignInUrl: (provider, returnTo) =>
      `${baseUrl}/auth/oauth/${encodeURIComponent(provider)}/start?return_to=${encodeURIComponent(returnTo)}`,
    async completeProviderSignIn(fragment) {
      const fields = new URLSearchParams(fragment.replace(/^#/, ""));
      const error = fields.get("error");
      if (error) throw new TetherApiError(error as TetherApiError["code"], fields.get("error_description") ?? error, 0);
      const code = fields.get("handoff");
      return code ? signedIn(await post("/auth/oauth/handoff", { code })) : null;
    },
    accessToken,
    refresh,
    async logout() {
      // A live access token is needed to revoke the session; the store is cleared either way.
      const token = await accessToken({ minValidityMs: 5_000 }).catch(() => null);
      await store.set(null);
      if (token) await post("/auth/logout", {}, token).catch(() => undefined);
    },
    session: async () => store.get(),
    onSessionChange: (listener) => store.subscribe?.(listener) ?? (() => undefined),
  };
}
