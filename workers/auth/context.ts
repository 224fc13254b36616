import type { AuthSetup } from "./auth-setup.js";
import { authConfig, type AuthBindings, type AuthConfig } from "./config.js";
import type { Mailer } from "./mail/mail-types.js";
import { authDatabase, type AuthDatabase } from "./db/client.js";
import { loadKeyRing, type KeyRing } from "./tokens/keys.js";

/** What every route and RPC method of the auth Worker works with, built once per call. */
export interface AuthContext {
  db: AuthDatabase;
  config: AuthConfig;
  /** The app's mail transport (`tetherAuth({ mailer })`), or null for the built-in choice (mail/mailer.ts). */
  appMailer: ((env: AuthBindings) => Mailer) | null;
  /**
   * Development features — dev login, the dev mailbox, self-generated signing keys — are on: the
   * environment is development *and* the request came to a loopback host (or over a binding).
   */
  devFeatures: boolean;
  accessKeys(): Promise<KeyRing>;
  serviceKeys(): Promise<KeyRing>;
  /** Signs the `state` of provider sign-ins; a key of its own, never listed in any JWKS. */
  oauthStateKeys(): Promise<KeyRing>;
  /** Signs device tokens (docs/protocol.md); a key of its own too, so no verifier of another kind can take one. */
  deviceKeys(): Promise<KeyRing>;
  /** The `MFA_ENCRYPTION_KEY` secret, if set: the key of TOTP secrets at rest (mfa/encryption.ts). */
  mfaEncryptionKey: string | undefined;
}

/**
 * Where a call comes from: an HTTP request to a loopback host, one to any other host, or a
 * service binding / the cron (no host: only Workers bound to this one, or Cloudflare, reach it).
 */
export type CallOrigin = "loopback" | "public" | "internal";

/**
 * One context per app setup, `env` object and origin kind: workerd hands every request of an
 * isolate the same env, and the context is derived from it and the setup alone (config from vars
 * and options, keys from secrets and D1). Building it per call showed in the profile of every
 * token validation.
 */
const contexts = new WeakMap<AuthSetup, WeakMap<AuthBindings, Map<CallOrigin, AuthContext>>>();

export function authContext(setup: AuthSetup, env: AuthBindings, origin: CallOrigin = "internal"): AuthContext {
  let byEnv = contexts.get(setup);
  if (!byEnv) contexts.set(setup, (byEnv = new WeakMap()));
  let byOrigin = byEnv.get(env);
  if (!byOrigin) byEnv.set(env, (byOrigin = new Map()));
  let context = byOrigin.get(origin);
  if (!context) byOrigin.set(origin, (context = buildAuthContext(setup, env, origin)));
  return context;
}

function buildAuthContext(setup: AuthSetup, env: AuthBindings, origin: CallOrigin): AuthContext {
  const db = authDatabase(env.AUTH_DB);
  const config = authConfig(env, setup);
  // A Worker deployed as development by mistake still refuses its dev features on a public host.
  const devFeatures = config.isDevelopment && origin !== "public";
  // Outside development a missing secret is a 503 `signing_keys_unavailable`, never a surprise key.
  const options = { selfGenerated: devFeatures };
  return {
    db,
    config,
    appMailer: setup.mailer,
    devFeatures,
    accessKeys: () => loadKeyRing(db, "access", { current: env.ACCESS_SIGNING_KEY, previous: env.ACCESS_SIGNING_KEY_PREVIOUS }, options),
    serviceKeys: () =>
      loadKeyRing(db, "service", { current: env.SERVICE_SIGNING_KEY, previous: env.SERVICE_SIGNING_KEY_PREVIOUS }, options),
    oauthStateKeys: () =>
      loadKeyRing(db, "oauth_state", { current: env.OAUTH_STATE_SIGNING_KEY, previous: env.OAUTH_STATE_SIGNING_KEY_PREVIOUS }, options),
    deviceKeys: () => loadKeyRing(db, "device", { current: env.DEVICE_SIGNING_KEY, previous: env.DEVICE_SIGNING_KEY_PREVIOUS }, options),
    mfaEncryptionKey: env.MFA_ENCRYPTION_KEY,
  };
}
