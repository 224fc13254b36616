/**
 * @module
 * Calls the auth Worker's app directly and waits for the work it left for after the response
 * (`waitUntil`: mail, session sync) — so a test reads the dev mailbox or the outbox once that work
 * is done, instead of polling for it.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import authApp from "../../../workers/demo/auth.js";
import { freshClientIp, ORIGIN } from "../http.js";

export async function callAuthApp(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await authApp.fetch(new Request(`${ORIGIN}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function postToAuthApp(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return callAuthApp(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp(), ...headers },
    body: JSON.stringify(body),
  });
}
