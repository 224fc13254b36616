/**
 * @module
 * Request helpers for tests that run inside workerd and call a Worker's fetch handler.
 */
import type { TokenResponse } from "@tether/protocol";

export interface FetchTarget {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

// A loopback host, as under `npm run dev`: development features answer only there.
export const ORIGIN = "http://localhost";

let ipCounter = 0;
/**
 * A distinct client address per call, so the per-address rate limits of register/login/refresh
 * never trip in tests that are not about rate limiting.
 */
export function freshClientIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export function uniqueEmail(label = "user"): string {
  return `${label}-${crypto.randomUUID()}@example.com`;
}

export function postJson(target: FetchTarget, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return target.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp(), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function getWithBearer(target: FetchTarget, path: string, token: string): Promise<Response> {
  return target.fetch(`${ORIGIN}${path}`, { headers: { Authorization: `Bearer ${token}` } });
}

export function postWithBearer(target: FetchTarget, path: string, token: string): Promise<Response> {
  return target.fetch(`${ORIGIN}${path}`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
}

/** What register, login, dev login, refresh and the handoff answer: the protocol's own type. */
export type { TokenResponse } from "@tether/protocol";

export const STRONG_PASSWORD = "correct horse battery staple";

/** Registers a fresh user and returns the token response; fails the test if it does not succeed. */
export async function registerUser(
  target: FetchTarget,
  overrides: Partial<{ email: string; password: string; name: string }> = {},
): Promise<TokenResponse> {
  const response = await postJson(target, "/auth/register", {
    email: overrides.email ?? uniqueEmail(),
    password: overrides.password ?? STRONG_PASSWORD,
    name: overrides.name ?? "Test User",
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  return response.json();
}

export interface DevMail {
  to: string;
  subject: string;
  text: string;
  token: string;
  created_at: string;
}

/** The dev mailbox of `email` (development, loopback only), newest first. */
export async function mailboxOf(target: FetchTarget, email: string): Promise<DevMail[]> {
  const response = await target.fetch(`${ORIGIN}/auth/dev/mailbox?email=${encodeURIComponent(email)}`);
  if (response.status !== 200) throw new Error(`mailbox: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { messages: DevMail[] }).messages;
}

/** The newest mail of `subject` to `email`; fails the test if there is none. */
export async function latestMail(target: FetchTarget, email: string, subject: RegExp): Promise<DevMail> {
  const mail = (await mailboxOf(target, email)).find((message) => subject.test(message.subject));
  if (!mail) throw new Error(`no mail matching ${String(subject)} to ${email}`);
  return mail;
}

/** Registers a user and proves their address with the token of the verification mail. */
export async function registerVerifiedUser(
  target: FetchTarget,
  overrides: Partial<{ email: string; password: string; name: string }> = {},
): Promise<TokenResponse> {
  const user = await registerUser(target, overrides);
  const mail = await latestMail(target, user.user.email, /confirm/i);
  const verified = await postJson(target, "/auth/email/verify", { token: mail.token });
  if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${await verified.text()}`);
  return user;
}

/** Reads an error response and checks it has the one shape every error has. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  if (typeof body.error?.code !== "string" || typeof body.error.message !== "string") {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return { code: body.error.code, message: body.error.message };
}

/** Every HTTP route that takes a user's access token, on the one public origin. */
export const USER_TOKEN_ROUTES: ReadonlyArray<[method: string, path: string]> = [
  ["GET", "/auth/me"],
  ["GET", "/auth/sessions"],
  ["POST", "/auth/logout"],
  ["POST", "/auth/logout-all"],
  ["GET", "/auth/mfa"],
  ["POST", "/auth/mfa/totp/enroll"],
  ["POST", "/auth/mfa/totp/confirm"],
  ["DELETE", "/auth/mfa/totp"],
  ["GET", "/auth/passkeys"],
  ["POST", "/auth/passkeys/register/options"],
  ["POST", "/auth/passkeys/register"],
  ["PATCH", "/auth/passkeys/any-passkey"],
  ["DELETE", "/auth/passkeys/any-passkey"],
  ["GET", "/api/me"],
  ["GET", "/api/session"],
  ["GET", "/api/threads"],
  ["GET", "/api/threads/any-thread/messages"],
];
