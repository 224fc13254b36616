// Prints a new ES256 private JWK with a kid, for `wrangler secret put` by hand (`npm run
// setup:staging` and `setup:production` put all four themselves):
//   npm run --silent signing-key -- access      | npx wrangler secret put ACCESS_SIGNING_KEY      -c workers/auth/wrangler.jsonc --env staging
//   npm run --silent signing-key -- service     | npx wrangler secret put SERVICE_SIGNING_KEY     -c workers/auth/wrangler.jsonc --env staging
//   npm run --silent signing-key -- oauth_state | npx wrangler secret put OAUTH_STATE_SIGNING_KEY -c workers/auth/wrangler.jsonc --env staging
//   npm run --silent signing-key -- device      | npx wrangler secret put DEVICE_SIGNING_KEY      -c workers/auth/wrangler.jsonc --env staging
import { newSigningKey, SIGNING_KEY_PURPOSES } from "./setup/secrets.mjs";

const purpose = process.argv[2] ?? "access";
if (!SIGNING_KEY_PURPOSES.includes(purpose)) {
  console.error(`usage: signing-key <${SIGNING_KEY_PURPOSES.join("|")}>`);
  process.exit(2);
}
process.stdout.write(await newSigningKey(purpose));
