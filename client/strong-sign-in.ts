/**
 * @module
 * Passkeys and the TOTP second factor, on the auth client (`auth.passkeys`, `auth.mfa`,
 * `auth.signInWithPasskey()`): each call one route of docs/protocol.md, through the client's own
 * request helpers, so tokens, refreshes and errors work as everywhere else.
 */
import type { StoredSession } from "./token-store.js";
import { createPasskey, usePasskey, type PasskeyCreationOptions, type PasskeyRequestOptions } from "./webauthn.js";

/** One of the user's passkeys, as `GET /auth/passkeys` lists them. */
export interface PasskeySummary {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface PasskeyClient {
  /** Makes a passkey on this device and registers it (needs a recent sign-in: else `reauth_required`). */
  register(name?: string): Promise<PasskeySummary>;
  list(): Promise<PasskeySummary[]>;
  rename(id: string, name: string): Promise<PasskeySummary>;
  /** Deletes one (needs a recent sign-in). */
  remove(id: string): Promise<void>;
}

export interface MfaClient {
  /** Whether the second factor is on, and how many recovery codes are left. */
  status(): Promise<{ totp_enabled: boolean; recovery_codes_left: number }>;
  /** A new TOTP secret and its `otpauth://` URI, for an authenticator app (recent sign-in). */
  enroll(): Promise<{ secret: string; otpauth_uri: string }>;
  /** Turns it on with a first code; answers the ten recovery codes, shown this once. */
  confirm(code: string): Promise<{ recovery_codes: string[] }>;
  /** Finishes a sign-in that answered `mfaRequired`, with a TOTP or a recovery code. */
  verify(mfaToken: string, code: string): Promise<StoredSession>;
  /** Turns it off with a current code (recent sign-in). */
  disable(code: string): Promise<void>;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** What these calls need of the auth client. */
export interface AuthRequests {
  asUser(method: Method, path: string, body?: unknown): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  signedIn(response: Response): Promise<StoredSession>;
  failure(response: Response): Promise<Error>;
}

const passkeyPath = (id: string) => `/auth/passkeys/${encodeURIComponent(id)}`;

export function passkeyClient(requests: AuthRequests): PasskeyClient {
  const { asUser } = requests;
  const passkeyOf = async (response: Response) => ((await response.json()) as { passkey: PasskeySummary }).passkey;
  return {
    async register(name) {
      const options = (await (await asUser("POST", "/auth/passkeys/register/options")).json()) as PasskeyCreationOptions;
      const response = await createPasskey(options);
      return passkeyOf(await asUser("POST", "/auth/passkeys/register", name ? { response, name } : { response }));
    },
    list: async () => ((await (await asUser("GET", "/auth/passkeys")).json()) as { passkeys: PasskeySummary[] }).passkeys,
    rename: async (id, name) => passkeyOf(await asUser("PATCH", passkeyPath(id), { name })),
    async remove(id) {
      await asUser("DELETE", passkeyPath(id));
    },
  };
}

/** A passkey sign-in: the browser asks the user to pick one of theirs for this site. */
export async function signInWithPasskey(requests: AuthRequests): Promise<StoredSession> {
  const optionsResponse = await requests.post("/auth/passkeys/login/options", {});
  if (!optionsResponse.ok) throw await requests.failure(optionsResponse);
  const options = (await optionsResponse.json()) as PasskeyRequestOptions;
  return requests.signedIn(
    await requests.post("/auth/passkeys/login", { challenge_id: options.challenge_id, response: await usePasskey(options) }),
  );
}

export function mfaClient(requests: AuthRequests): MfaClient {
  const { asUser } = requests;
  return {
    status: async () => (await asUser("GET", "/auth/mfa")).json() as ReturnType<MfaClient["status"]>,
    enroll: async () => (await asUser("POST", "/auth/mfa/totp/enroll")).json() as ReturnType<MfaClient["enroll"]>,
    confirm: async (code) => (await asUser("POST", "/auth/mfa/totp/confirm", { code })).json() as ReturnType<MfaClient["confirm"]>,
    verify: async (mfaToken, code) => requests.signedIn(await requests.post("/auth/mfa/verify", { mfa_token: mfaToken, code })),
    async disable(code) {
      await asUser("DELETE", "/auth/mfa/totp", { code });
    },
  };
}
