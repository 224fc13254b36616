/**
 * @module
 * A provider sign-in played over real HTTP against `wrangler dev` processes, as a browser and an
 * app would: start with the hash of the app's verifier, the local provider's form approved, the
 * callback followed with the binding cookie — up to the fragment the browser is sent back with.
 */
import { createHash, randomBytes } from "node:crypto";

export interface AppSignIn {
  /** The app's verifier: what redeems the handoff code this sign-in is sent back with. */
  verifier: string;
  challenge: string;
}

export function appSignIn(): AppSignIn {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Start and the provider's approval: the callback URL the provider sends the browser to, and the cookie. */
export async function approvedCallback(
  origins: { app: string; provider: string },
  app: AppSignIn,
  person: { email: string; name: string },
): Promise<{ callback: URL; cookie: string; formHtml: string }> {
  const query = new URLSearchParams({ return_to: `${origins.app}/`, handoff_challenge: app.challenge });
  const start = await fetch(`${origins.app}/auth/oauth/dev/start?${query.toString()}`, { redirect: "manual" });
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${await start.text()}`);
  const cookie = (start.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
  const authorize = new URL(start.headers.get("Location") ?? "");
  const form = await fetch(authorize);
  const formHtml = await form.text();
  const fields = new URLSearchParams(authorize.searchParams);
  fields.set("decision", "approve");
  fields.set("email", person.email);
  fields.set("name", person.name);
  fields.set("email_verified", "true");
  const approved = await fetch(`${origins.provider}/authorize`, { method: "POST", body: fields, redirect: "manual" });
  if (approved.status !== 302) throw new Error(`the provider answered ${approved.status}`);
  return { callback: new URL(approved.headers.get("Location") ?? ""), cookie, formHtml };
}

/** Follows the callback; returns the page it sends the browser back to and the fragment. */
export async function followCallback(
  callback: URL,
  cookie: string,
): Promise<{ page: string; fragment: URLSearchParams; location: string }> {
  const back = await fetch(callback, { headers: { Cookie: cookie }, redirect: "manual" });
  if (back.status !== 303) throw new Error(`the callback answered ${back.status}: ${await back.text()}`);
  const location = back.headers.get("Location") ?? "";
  const returned = new URL(location);
  return { page: `${returned.origin}${returned.pathname}`, fragment: new URLSearchParams(returned.hash.slice(1)), location };
}
