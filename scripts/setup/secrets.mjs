// The secrets `npm run setup:*` makes and puts, made in memory: the callers send each straight to
// `wrangler secret put` on stdin (setup) or print it for a pipe (`npm run signing-key`), so none
// is ever written to a file or shown.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";

export const SIGNING_KEY_PURPOSES = ["access", "service", "oauth_state", "device"];

/**
 * A new ES256 private JWK with a kid (what workers/auth/tokens/keys.ts accepts as a signing secret).
 * @param {string} purpose one of SIGNING_KEY_PURPOSES: it prefixes the kid, so JWKS and logs show which key is which.
 */
export async function newSigningKey(purpose) {
  if (!SIGNING_KEY_PURPOSES.includes(purpose)) throw new Error(`unknown signing-key purpose ${purpose}`);
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, kid: `${purpose}-${crypto.randomUUID()}`, alg: "ES256" });
}

/** A service client's secret: 32 random bytes (the auth database keeps only its SHA-256). */
export const newServiceSecret = () => randomBytes(32).toString("base64url");

/**
 * The secrets setup generates for each Worker, each put once and then left alone (a rotation is
 * `…_PREVIOUS`, docs/deploy.md). One key per purpose, never shared, so a token of one kind cannot
 * pass as another. A new generated secret a Worker reads goes here; the backend's
 * AUTH_SERVICE_SECRET is made by the service-client step, with its registration.
 */
export const GENERATED_SECRETS = [
  { worker: "auth", name: "ACCESS_SIGNING_KEY", what: "a new ES256 key (access tokens)", generate: () => newSigningKey("access") },
  { worker: "auth", name: "SERVICE_SIGNING_KEY", what: "a new ES256 key (service tokens)", generate: () => newSigningKey("service") },
  {
    worker: "auth",
    name: "OAUTH_STATE_SIGNING_KEY",
    what: "a new ES256 key (provider sign-in state)",
    generate: () => newSigningKey("oauth_state"),
  },
  { worker: "auth", name: "DEVICE_SIGNING_KEY", what: "a new ES256 key (device tokens)", generate: () => newSigningKey("device") },
  // Not a signing key: the AES-GCM key of TOTP secrets at rest (workers/auth/mfa/encryption.ts).
  {
    worker: "auth",
    name: "MFA_ENCRYPTION_KEY",
    what: "32 random bytes, base64 (second-factor secrets at rest)",
    generate: async () => randomBytes(32).toString("base64"),
  },
];

/** The backend's secret for its service client at the auth Worker. */
export const SERVICE_SECRET_NAME = "AUTH_SERVICE_SECRET";
