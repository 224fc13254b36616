// The auth Worker (auth/wrangler.jsonc): accounts, sessions and tokens for the backend.
import { tetherAuth } from "@tether/auth";

const auth = tetherAuth({ passwordPolicy: { minLength: 10 } });

export default auth.worker;
export class AuthService extends auth.AuthService {}
