// Registers a service client with the auth Worker's database and prints its secret once.
//   npm run service-client -- --id billing --audience tether-backend --permissions threads:read [--env staging]
// Without --env it writes to the local development database.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { upsertServiceClient } from "./local-state.mjs";

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    name: { type: "string" },
    audience: { type: "string", multiple: true },
    permissions: { type: "string", multiple: true },
    env: { type: "string" },
  },
});
if (!values.id) {
  console.error("usage: npm run service-client -- --id <id> [--audience <service>]… [--permissions <p>]… [--env staging]");
  process.exit(2);
}
const secret = randomBytes(32).toString("base64url");
upsertServiceClient({
  id: values.id,
  name: values.name ?? values.id,
  audiences: values.audience ?? ["tether-backend"],
  permissions: values.permissions ?? [],
  secret,
  target: values.env ? ["--remote", "--env", values.env] : ["--local", "--persist-to", ".wrangler/state"],
});
console.log(`Service client ${values.id} registered. Its secret (shown once; store it as a secret of the caller):`);
console.log(secret);
