import type { AuthBindings, AuthConfig } from "./config.js";
import { configuredProviders } from "./oauth/providers.js";
import { encryptionKeyProblem } from "./mfa/encryption.js";
import { relyingPartyProblem } from "./passkeys/relying-party.js";
import { keySecretProblem } from "./tokens/keys.js";

/**
 * What a deployment of the auth Worker lacks to do its work: reported by `/health` (503
 * `misconfigured`) and logged once per isolate. Outside development the signing keys must come
 * from secrets; each problem names the secret, never its value.
 */
const problemsByEnv = new WeakMap<AuthBindings, string[]>();

export function authConfigProblems(env: AuthBindings, config: AuthConfig): string[] {
  let problems = problemsByEnv.get(env);
  if (!problems) problemsByEnv.set(env, (problems = findProblems(env, config)));
  return problems;
}

function findProblems(env: AuthBindings, config: AuthConfig): string[] {
  const problems: string[] = [];
  let providersConfigured = false;
  try {
    providersConfigured = configuredProviders(env, config).size > 0;
  } catch {
    problems.push("OAUTH_PROVIDERS is not valid");
  }
  const passkeys = relyingPartyProblem(env);
  if (passkeys) problems.push(passkeys);
  // Development generates its keys on first use (on loopback hosts only).
  if (config.isDevelopment) return problems;
  const keys: Array<[name: string, purpose: string, value: string | undefined, required: boolean]> = [
    ["ACCESS_SIGNING_KEY", "access", env.ACCESS_SIGNING_KEY, true],
    ["ACCESS_SIGNING_KEY_PREVIOUS", "previous access", env.ACCESS_SIGNING_KEY_PREVIOUS, false],
    ["SERVICE_SIGNING_KEY", "service", env.SERVICE_SIGNING_KEY, true],
    ["SERVICE_SIGNING_KEY_PREVIOUS", "previous service", env.SERVICE_SIGNING_KEY_PREVIOUS, false],
    ["OAUTH_STATE_SIGNING_KEY", "oauth_state", env.OAUTH_STATE_SIGNING_KEY, providersConfigured],
    ["OAUTH_STATE_SIGNING_KEY_PREVIOUS", "previous oauth_state", env.OAUTH_STATE_SIGNING_KEY_PREVIOUS, false],
    ["DEVICE_SIGNING_KEY", "device", env.DEVICE_SIGNING_KEY, true],
    ["DEVICE_SIGNING_KEY_PREVIOUS", "previous device", env.DEVICE_SIGNING_KEY_PREVIOUS, false],
  ];
  for (const [name, purpose, value, required] of keys) {
    if (!value) {
      if (required) problems.push(`${name} is not set (wrangler secret put ${name})`);
      continue;
    }
    const problem = keySecretProblem(value, purpose);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  // Not a signing key: 32 bytes for AES-GCM, the key of TOTP secrets at rest.
  const mfaKey = env.MFA_ENCRYPTION_KEY;
  if (!mfaKey) problems.push("MFA_ENCRYPTION_KEY is not set (openssl rand -base64 32 | wrangler secret put MFA_ENCRYPTION_KEY)");
  else if (encryptionKeyProblem(mfaKey)) problems.push(`MFA_ENCRYPTION_KEY: ${encryptionKeyProblem(mfaKey)}`);
  return problems;
}
