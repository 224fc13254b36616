import { createAuthClient, type AuthClient } from "../../client/index.js";
import { STRONG_PASSWORD, uniqueEmail } from "./http.js";

/**
 * A newly registered user's auth client, talking to `origin` over real HTTP: what the Node-hosted
 * SDK tests start from. `label` names the user in logs and in its unique email address.
 */
export async function signedUpAuthClient(origin: string, label: string): Promise<AuthClient> {
  const auth = createAuthClient({ baseUrl: origin });
  await auth.register({ email: uniqueEmail(label), password: STRONG_PASSWORD, name: label });
  return auth;
}
