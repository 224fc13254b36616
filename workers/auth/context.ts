import { authConfig, type AuthBindings, type AuthConfig } from "./config.js";
import { authDatabase, type AuthDatabase } from "./db/client.js";
import { loadKeyRing, type KeyRing } from "./tokens/keys.js";

/** What every route and RPC method of the auth Worker works with, built once per call. */
export interface AuthContext {
  db: AuthDatabase;
  config: AuthConfig;
  accessKeys(): Promise<KeyRing>;
  serviceKeys(): Promise<KeyRing>;
  /** Signs the `state` of provider sign-ins; a key of its own, never listed in any JWKS. */
  oauthStateKeys(): Promise<KeyRing>;
}

/**
 * One context per `env` object: workerd hands every request of an isolate the same one, and the
 * context is derived from it alone (config from vars, keys from secrets and D1). Building it per
 * call showed in the profile of every token validation.
 */
const contexts = new WeakMap<AuthBindings, AuthContext>();

export function authContext(env: AuthBindings): AuthContext {
  let context = contexts.get(env);
  if (!context) contexts.set(env, (context = buildAuthContext(env)));
  return context;
}

function buildAuthContext(env: AuthBindings): AuthContext {
  const db = authDatabase(env.AUTH_DB);
  const config = authConfig(env);
  // Only `wrangler dev` may mint its own keys; elsewhere a missing secret is a 503, not a surprise key.
  const options = { generateIfMissing: config.isDevelopment };
  return {
    db,
    config,
    accessKeys: () =>
      loadKeyRing(db, "access", { current: env.ACCESS_SIGNING_KEY, previous: env.ACCESS_SIGNING_KEY_PREVIOUS }, options),
    serviceKeys: () =>
      loadKeyRing(
        db,
        "service",
        { current: env.SERVICE_SIGNING_KEY, previous: env.SERVICE_SIGNING_KEY_PREVIOUS },
        options,
      ),
    oauthStateKeys: () =>
      loadKeyRing(
        db,
        "oauth_state",
        { current: env.OAUTH_STATE_SIGNING_KEY, previous: env.OAUTH_STATE_SIGNING_KEY_PREVIOUS },
        options,
      ),
  };
}
