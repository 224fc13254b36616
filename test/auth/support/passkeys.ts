/**
 * @module
 * The passkey routes as a page calls them, with the test's software authenticator in the browser's place.
 */
import { exports } from "cloudflare:workers";
import { postJson, type TokenResponse } from "../../support/http.js";
import { withBearer } from "./second-factor.js";
import type { Bend, SoftwareAuthenticator } from "./software-authenticator.js";

export interface RegistrationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials?: Array<{ id: string }>;
  authenticatorSelection?: { residentKey?: string; userVerification?: string };
}
export interface LoginOptions {
  challenge: string;
  challenge_id: string;
  rpId: string;
}

export async function registrationOptions(user: TokenResponse): Promise<RegistrationOptions> {
  const response = await withBearer("POST", "/auth/passkeys/register/options", user.access_token);
  if (response.status !== 200) throw new Error(`register/options: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function loginOptions(): Promise<LoginOptions> {
  const response = await postJson(exports.default, "/auth/passkeys/login/options", {});
  if (response.status !== 200) throw new Error(`login/options: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Registers a new passkey of `authenticator` for `user`: the id of the passkey row. */
export async function addPasskey(user: TokenResponse, authenticator: SoftwareAuthenticator, name?: string): Promise<string> {
  const response = await withBearer("POST", "/auth/passkeys/register", user.access_token, {
    response: await authenticator.register(await registrationOptions(user)),
    ...(name ? { name } : {}),
  });
  if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { passkey: { id: string } }).passkey.id;
}

/** A passkey sign-in: fresh options, the authenticator's answer (bent as asked), the login. */
export async function signInWithPasskey(authenticator: SoftwareAuthenticator, bend: Bend & { credentialId?: string } = {}) {
  const options = await loginOptions();
  return postJson(exports.default, "/auth/passkeys/login", {
    challenge_id: options.challenge_id,
    response: await authenticator.authenticate(options, bend),
  });
}
