/**
 * @module
 * A user's authenticator app, played in the test: codes computed from the enrolled secret by otpauth,
 * an implementation independent of the auth Worker's own (workers/auth/mfa/totp.ts), and a first
 * factor turned on.
 */
import { env, exports } from "cloudflare:workers";
import { Secret, TOTP } from "otpauth";
import { freshClientIp, ORIGIN, postJson, type TokenResponse } from "../../support/http.js";

/** The code an authenticator app shows now for `secret`. */
export function currentCode(secret: string): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate();
}

/** A six-digit code that is not the current one, nor either neighbour: surely wrong. */
export function wrongCode(secret: string): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
  const near = new Set([-1, 0, 1].map((step) => totp.generate({ timestamp: Date.now() + step * 30_000 })));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(6, "0");
    if (!near.has(code)) return code;
  }
}

/**
 * Lets the current code be taken again, as if its time step were long past: the replay guard
 * remembers the last step taken, and a test makes several sign-ins inside one 30-second step.
 */
export async function forgetUsedSteps(userId: string): Promise<void> {
  await env.AUTH_DB.prepare("UPDATE user_totp SET last_used_step = NULL WHERE user_id = ?").bind(userId).run();
}

/** A request with a Bearer token and an optional JSON body, from a client address of its own (rate limits are per client). */
export function withBearer(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`${ORIGIN}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      "CF-Connecting-IP": freshClientIp(),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface EnrolledUser {
  secret: string;
  recoveryCodes: string[];
}

/** Enrolls and confirms TOTP for the session of `user`; the current code is then free to take again. */
export async function turnOnTotp(user: TokenResponse): Promise<EnrolledUser> {
  const enrolled = await withBearer("POST", "/auth/mfa/totp/enroll", user.access_token);
  if (enrolled.status !== 200) throw new Error(`enroll: ${enrolled.status} ${await enrolled.text()}`);
  const { secret } = (await enrolled.json()) as { secret: string };
  const confirmed = await withBearer("POST", "/auth/mfa/totp/confirm", user.access_token, { code: currentCode(secret) });
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${await confirmed.text()}`);
  const { recovery_codes } = (await confirmed.json()) as { recovery_codes: string[] };
  await forgetUsedSteps(user.user.id);
  return { secret, recoveryCodes: recovery_codes };
}

/** A password sign-in that should stop at the second factor: its mfa_token. */
export async function mfaTokenFor(email: string, password: string): Promise<string> {
  const response = await postJson(exports.default, "/auth/login", { email, password });
  const body = (await response.json()) as { error?: { code: string }; mfa_token?: string };
  if (response.status !== 401 || body.error?.code !== "mfa_required" || !body.mfa_token) {
    throw new Error(`expected mfa_required, got ${response.status} ${JSON.stringify(body)}`);
  }
  return body.mfa_token;
}

export const verifyMfa = (mfaToken: string, code: string) => postJson(exports.default, "/auth/mfa/verify", { mfa_token: mfaToken, code });
