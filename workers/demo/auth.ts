/**
 * The repository's own auth Worker (workers/auth/wrangler.jsonc): an app on @tether/auth's public
 * entry, like a team's. Providers, mail and lifetimes come from the config's vars and secrets.
 */
import { tetherAuth } from "@tether/auth";

const auth = tetherAuth();

export default auth.worker;
export class AuthService extends auth.AuthService {}
