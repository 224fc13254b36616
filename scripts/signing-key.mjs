// Prints a new ES256 private JWK with a kid, for `wrangler secret put ACCESS_SIGNING_KEY` (or
// SERVICE_SIGNING_KEY) in staging and production:
//   npm run --silent signing-key -- access | npx wrangler secret put ACCESS_SIGNING_KEY -c workers/auth/wrangler.toml --env staging
import { exportJWK, generateKeyPair } from "jose";

const purpose = process.argv[2] === "service" ? "service" : "access";
const { privateKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = await exportJWK(privateKey);
process.stdout.write(JSON.stringify({ ...jwk, kid: `${purpose}-${crypto.randomUUID()}`, alg: "ES256" }));
