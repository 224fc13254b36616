/**
 * @module
 * The app's half of a provider sign-in (docs/protocol.md): a random verifier kept in this tab's session
 * storage, its hash sent with the start, and the verifier sent with the handoff — so a
 * `#handoff=` code only signs in the tab that started that sign-in. A fragment this tab did not ask
 * for (an attacker's code in a lured link) is ignored, and an `#error=` is shown only as a fixed
 * message for a known code, never the fragment's own text.
 */
import { ERROR_STATUS, type ErrorCode } from "@tether/protocol";
import type { KeyValueStorage } from "./token-store.js";

const VERIFIER_KEY = "tether.handoff_verifier";

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Session storage where there is one (a tab's own), else memory (Node). */
export function handoffStorage(): KeyValueStorage {
  const session = (globalThis as { sessionStorage?: KeyValueStorage }).sessionStorage;
  if (session) return session;
  const memory = new Map<string, string>();
  return {
    getItem: (key) => memory.get(key) ?? null,
    setItem: (key, value) => void memory.set(key, value),
    removeItem: (key) => void memory.delete(key),
  };
}

/** The challenge to start a sign-in with; the verifier behind it is kept until the handoff. */
export async function handoffChallenge(storage: KeyValueStorage): Promise<string> {
  let verifier = storage.getItem(VERIFIER_KEY);
  if (!verifier) {
    verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
    storage.setItem(VERIFIER_KEY, verifier);
  }
  return base64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

export type ProviderReturn =
  | { kind: "none" }
  | { kind: "handoff"; code: string; verifier: string }
  | { kind: "error"; code: ErrorCode | "oauth_failed"; message: string };

const FIXED_MESSAGES: Partial<Record<ErrorCode, string>> = {
  oauth_denied: "The sign-in was cancelled at the provider.",
  email_not_verified: "The provider has not verified this email address.",
  account_disabled: "This account is disabled.",
  provider_unavailable: "The sign-in provider cannot be reached; try again later.",
  invalid_state: "The sign-in expired or was already used; start it again.",
};

/**
 * Reads what a provider sign-in brought back in the fragment — only if this tab started one; the
 * verifier is used up either way.
 */
export function readProviderReturn(fragment: string, storage: KeyValueStorage): ProviderReturn {
  const fields = new URLSearchParams(fragment.replace(/^#/, ""));
  const code = fields.get("handoff");
  const error = fields.get("error");
  if (code === null && error === null) return { kind: "none" };
  const verifier = storage.getItem(VERIFIER_KEY);
  storage.removeItem(VERIFIER_KEY);
  // Not started here: someone else's sign-in, lured into this tab.
  if (!verifier) return { kind: "none" };
  if (code !== null) return { kind: "handoff", code, verifier };
  const known = error !== null && Object.hasOwn(ERROR_STATUS, error) ? (error as ErrorCode) : null;
  if (known === null) return { kind: "error", code: "oauth_failed", message: "The sign-in with the provider failed." };
  return { kind: "error", code: known, message: FIXED_MESSAGES[known] ?? "The sign-in with the provider failed." };
}
