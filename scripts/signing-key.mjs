// Prints a new ES256 private JWK with a kid, for `wrangler secret put` in staging and production:
//   npm run --silent signing-key -- access      | npx wrangler secret put ACCESS_SIGNING_KEY      -c workers/auth/wrangler.toml --env staging
//   npm run --silent signing-key -- service     | npx wrangler secret put SERVICE_SIGNING_KEY     -c workers/auth/wrangler.toml --env staging
//   npm run --silent signing-key -- oauth_state | npx wrangler secret put OAUTH_STATE_SIGNING_KEY -c workers/auth/wrangler.toml --env staging
//   npm run --silent signing-key -- device      | npx wrangler secret put DEVICE_SIGNING_KEY      -c workers/auth/wrangler.toml --env staging
import { exportJWK, generateKeyPair } from "jose";

const PURPOSES = ["access", "service", "oauth_state", "device"];
const purpose = process.argv[2] ?? "access";
if (!PURPOSES.includes(purpose)) {
  console.error(`usage: signing-key <${PURPOSES.join("|")}>`);
  process.exit(2);
}
const { privateKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = await exportJWK(privateKey);
process.stdout.write(JSON.stringify({ ...jwk, kid: `${purpose}-${crypto.randomUUID()}`, alg: "ES256" }));
