/**
 * @module
 * Register, sign in (password or a provider), refresh and sign out against the auth routes,
 * keeping the session in the app's TokenStore. Refreshes are single-flight, and with Web Locks
 * (every current browser) also across the tabs that share a store: refresh tokens rotate and a
 * second use of one revokes the session, so two tabs must never refresh with the same token.
 * Each sign-in's device token is kept per account, across sign-outs, and sent with the next
 * password sign-in to that account.
 */
import type { MfaRequiredBody, PublicUser, SessionSummary, TokenResponse } from "@tether/protocol";
import { TetherApiError } from "./errors.js";
import { handoffChallenge, handoffStorage, readProviderReturn } from "./provider-sign-in.js";
import { mfaClient, passkeyClient, signInWithPasskey, type AuthRequests, type MfaClient, type PasskeyClient } from "./strong-sign-in.js";
import { accountKey, memoryTokenStore, type KeyValueStorage, type StoredSession, type TokenStore } from "./token-store.js";

export interface AuthClientOptions {
  /** The origin that serves `/auth/*`; the page's own origin when omitted in a browser. */
  baseUrl?: string;
  /** Where the session is kept; memory by default. */
  store?: TokenStore;
  /** Where a provider sign-in's verifier waits for its handoff: this tab's session storage by default (memory in Node). */
  handoffStorage?: KeyValueStorage;
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

export interface AccessTokenOptions {
  /** A token this close to its expiry is refreshed first. */
  minValidityMs?: number;
  /** The caller has this token and needs a newer one (it is expiring, or was refused). */
  replacing?: string | null;
}

/**
 * A password or provider sign-in's outcome: the session, or — for an account with a second factor —
 * the step that asks for its code: `auth.mfa.verify(result.mfaToken, code)` finishes it.
 */
export type LoginResult = (StoredSession & { mfaRequired?: false }) | MfaRequired;

export interface MfaRequired {
  mfaRequired: true;
  /** Single use, for `auth.mfa.verify`. */
  mfaToken: string;
  /** Seconds it lives (300). */
  expiresIn: number;
}

export interface AuthClient {
  register(input: { email: string; password: string; name: string }): Promise<StoredSession>;
  /** Signs in with a password, presenting the device token this store holds for the account, if any. */
  login(input: { email: string; password: string }): Promise<LoginResult>;
  /** Signs in with a passkey of this site the user picks in the browser; no email typed. */
  signInWithPasskey(): Promise<StoredSession>;
  /** The signed-in user's passkeys: register one on this device, list, rename, remove. */
  passkeys: PasskeyClient;
  /** The TOTP second factor: enroll, confirm, verify a sign-in's code, disable. */
  mfa: MfaClient;
  /**
   * Where to send the browser to sign in with a provider; it comes back to `returnTo`. The URL
   * carries the hash of a verifier this tab keeps, so only this tab can finish the sign-in.
   */
  providerSignInUrl(provider: string, returnTo: string): Promise<string>;
  /**
   * Finishes a provider sign-in from the URL fragment it returned with. null when the fragment
   * holds none — or holds one this tab did not start (a lured link), which is ignored. A failure
   * throws `TetherApiError` with a fixed message for its code, never the fragment's text.
   */
  completeProviderSignIn(fragment: string): Promise<LoginResult | null>;
  /** A usable access token, refreshed when needed; null when signed out. */
  accessToken(options?: AccessTokenOptions): Promise<string | null>;
  /** Rotates the refresh token now; null (and the store cleared) when the session is over. */
  refresh(replacing?: string | null): Promise<StoredSession | null>;
  /** Ends the session here and on the server; the account's device token stays, so this device stays known. */
  logout(): Promise<void>;
  session(): Promise<StoredSession | null>;
  /**
   * Proves the address with the token of a verification mail (`#verify_email=` of its link).
   * When signed in, the session is refreshed too, so its token and `user` say `email_verified`.
   */
  verifyEmail(token: string): Promise<PublicUser>;
  /** Sends the signed-in user another verification mail. */
  requestEmailVerification(): Promise<"sent" | "already_verified">;
  /** Asks for a reset mail; the answer is the same whether or not an account has the address. */
  requestPasswordReset(email: string): Promise<void>;
  /** Sets a new password with the token of a reset mail (`#reset_password=`); every session ends, this one too. */
  resetPassword(token: string, password: string): Promise<void>;
  /** The signed-in user's live sessions (devices), the current one marked. */
  sessions(): Promise<SessionSummary[]>;
  /** Signs out one of the user's sessions (another device); its sockets close. */
  revokeSession(id: string): Promise<void>;
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

/** The store's device tokens, or this client's memory for a store that cannot keep them. */
function deviceTokensOf(store: TokenStore) {
  const { getDeviceToken, setDeviceToken } = store;
  if (getDeviceToken && setDeviceToken) {
    return {
      get: async (account: string) => getDeviceToken.call(store, account),
      set: async (account: string, token: string) => setDeviceToken.call(store, account, token),
    };
  }
  const remembered = new Map<string, string>();
  return {
    get: async (account: string) => remembered.get(account) ?? null,
    set: async (account: string, token: string) => void remembered.set(account, token),
  };
}

export function createAuthClient(options: AuthClientOptions = {}): AuthClient {
  const store = options.store ?? memoryTokenStore();
  const handoffStore = options.handoffStorage ?? handoffStorage();
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
  const fetcher = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  const deviceTokens = deviceTokensOf(store);
  let inFlight: Promise<StoredSession | null> | null = null;

  async function send(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown, token?: string | null): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetcher(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (error) {
      throw new TetherApiError("network_error", error instanceof Error ? error.message : "The request failed.", 0);
    }
  }
  const post = (path: string, body: unknown, token?: string | null) => send("POST", path, body, token);

  /** A call that needs the signed-in user: refused as `invalid_token` when signed out. */
  async function asUser(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<Response> {
    const token = await accessToken();
    if (!token) throw new TetherApiError("invalid_token", "Sign in first.", 401);
    const response = await send(method, path, body, token);
    if (!response.ok) throw await TetherApiError.from(response);
    return response;
  }

  async function signedIn(response: Response): Promise<StoredSession> {
    if (!response.ok) throw await TetherApiError.from(response);
    const { device_token: deviceToken, ...tokens } = (await response.json()) as TokenResponse;
    const session: StoredSession = { ...tokens, access_expires_at: Date.now() + tokens.expires_in * 1000 };
    if (deviceToken !== undefined) await deviceTokens.set(accountKey(tokens.user.email), deviceToken);
    await store.set(session);
    return session;
  }

  /** A sign-in that may stop at the second factor: 401 `mfa_required` with its token is a step, not a failure. */
  async function signedInOrMfa(response: Response): Promise<LoginResult> {
    if (response.status === 401) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as Partial<MfaRequiredBody> | null;
      if (body?.error?.code === "mfa_required" && typeof body.mfa_token === "string") {
        return { mfaRequired: true, mfaToken: body.mfa_token, expiresIn: body.expires_in ?? 300 };
      }
    }
    return signedIn(response);
  }

  async function login(input: { email: string; password: string }): Promise<LoginResult> {
    // The owner's device is known by the token its last sign-in returned: presenting it admits a
    // sign-in even while the account refuses unknown devices (a flood of guesses from elsewhere).
    const deviceToken = await deviceTokens.get(accountKey(input.email));
    return signedInOrMfa(await post("/auth/login", deviceToken === null ? input : { ...input, device_token: deviceToken }));
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

  const requests: AuthRequests = { asUser, post, signedIn, failure: (response) => TetherApiError.from(response) };

  return {
    register: async (input) => signedIn(await post("/auth/register", input)),
    login,
    signInWithPasskey: () => signInWithPasskey(requests),
    passkeys: passkeyClient(requests),
    mfa: mfaClient(requests),
    async providerSignInUrl(provider, returnTo) {
      const query = new URLSearchParams({ return_to: returnTo, handoff_challenge: await handoffChallenge(handoffStore) });
      return `${baseUrl}/auth/oauth/${encodeURIComponent(provider)}/start?${query.toString()}`;
    },
    async completeProviderSignIn(fragment) {
      const returned = readProviderReturn(fragment, handoffStore);
      if (returned.kind === "none") return null;
      if (returned.kind === "error") throw new TetherApiError(returned.code, returned.message, 0);
      return signedInOrMfa(await post("/auth/oauth/handoff", { code: returned.code, verifier: returned.verifier }));
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
    async verifyEmail(token) {
      const signedInToken = await accessToken().catch(() => null);
      const response = await post("/auth/email/verify", { token }, signedInToken);
      if (!response.ok) throw await TetherApiError.from(response);
      const { user } = (await response.json()) as { user: PublicUser };
      if (signedInToken) await refresh(signedInToken).catch(() => null);
      return user;
    },
    async requestEmailVerification() {
      return ((await (await asUser("POST", "/auth/email/verify/request", {})).json()) as { status: "sent" | "already_verified" }).status;
    },
    async requestPasswordReset(email) {
      const response = await post("/auth/password/reset/request", { email });
      if (!response.ok) throw await TetherApiError.from(response);
    },
    async resetPassword(token, password) {
      const response = await post("/auth/password/reset", { token, password });
      if (!response.ok) throw await TetherApiError.from(response);
      // Every session has ended, this one too.
      await store.set(null);
    },
    sessions: async () => ((await (await asUser("GET", "/auth/sessions")).json()) as { sessions: SessionSummary[] }).sessions,
    async revokeSession(id) {
      await asUser("DELETE", `/auth/sessions/${encodeURIComponent(id)}`);
    },
    onSessionChange: (listener) => store.subscribe?.(listener) ?? (() => undefined),
  };
}
