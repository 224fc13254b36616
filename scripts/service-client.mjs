// Registers (or re-keys) a service client with the auth Worker's database and prints its secret
// once, alone on stdout, so it can be piped straight into `wrangler secret put`:
//   npm run --silent service-client -- --id tether-backend-production --audience tether-auth \
//     --permissions tokens:validate --permissions users:read --env production \
//     | npx wrangler secret put AUTH_SERVICE_SECRET --env production
// Without --env it writes to the local development database (.wrangler/state). A publisher of
// notifications (docs/notifications.md) is one more client, addressed to the backend (the default):
//   npm run --silent service-client -- --id billing-jobs --permissions events:publish
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { upsertServiceClient } from "./local-state.mjs";

// docs/protocol.md, Tokens. `auth` is the auth Worker's own subject: no client may take it.
const PERMISSIONS = ["tokens:validate", "users:read", "users:disable", "sessions:revoke", "users:sync", "events:publish"];
const RESERVED_IDS = ["auth"];

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    name: { type: "string" },
    audience: { type: "string", multiple: true },
    permissions: { type: "string", multiple: true },
    env: { type: "string" },
  },
});
function fail(message) {
  console.error(message);
  console.error(
    "usage: npm run --silent service-client -- --id <id> [--audience <service>]… [--permissions <p>]… [--env staging|production]",
  );
  process.exit(2);
}
if (!values.id || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(values.id)) fail("--id: 1-128 letters, digits, '.', '_' or '-'.");
if (RESERVED_IDS.includes(values.id)) fail(`--id ${values.id} is reserved for the auth Worker itself.`);
const unknown = (values.permissions ?? []).filter((permission) => !PERMISSIONS.includes(permission));
if (unknown.length > 0) fail(`unknown permissions: ${unknown.join(", ")} (known: ${PERMISSIONS.join(", ")}).`);

const secret = randomBytes(32).toString("base64url");
upsertServiceClient({
  id: values.id,
  name: values.name ?? values.id,
  audiences: values.audience ?? ["tether-backend"],
  permissions: values.permissions ?? [],
  secret,
  target: values.env ? ["--remote", "--env", values.env] : ["--local", "--persist-to", ".wrangler/state"],
});
console.error(`Service client ${values.id} registered; its secret follows on stdout, once. Store it as a secret of the caller.`);
process.stdout.write(`${secret}\n`);
