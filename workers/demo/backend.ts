/**
 * The repository's own backend Worker (root wrangler.jsonc): an app on @tether/server's public
 * entry, like a team's. The demo agent answers offline; `AGENT = "workers-ai"` switches to Workers AI.
 * Its `send_summary` tool asks the user first (docs/tools.md, "Tools that ask first").
 */
import { builtInTools, demoAgent, sendSummary, tether, workersAiAgent, type BackendBindings, type TetherApp } from "@tether/server";
import { ERROR_STATUS } from "@tether/protocol";

// send_summary needs the user's yes: the demo shows tool approval when a message asks to send something.
const app = tether({
  agents: { demo: demoAgent, "workers-ai": workersAiAgent },
  defaultAgent: "demo",
  tools: [...builtInTools, sendSummary],
});

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });

/**
 * The demo page's "Notify me" service (docs/notifications.md): `POST /demo/notify` with the user's
 * access token publishes one `demo.hello` notification to every live session of that user (each
 * tab, each device). It stands in for a backend job that tells a user something, and publishes
 * through `app.publishEvent` — the same path as `POST /api/events`, as publisher `app:demo`, rate
 * limited like any — so it needs no service client of its own. Who the user is comes from the
 * app's own `GET /api/session`: the token check every `/api` route makes.
 */
async function demoNotify(request: Request, env: BackendBindings, ctx?: ExecutionContext): Promise<Response> {
  if (request.method !== "POST")
    return json({ error: { code: "method_not_allowed", message: "POST to publish." } }, 405, { Allow: "POST" });
  const authorization = request.headers.get("Authorization") ?? "";
  const session = await app.worker.fetch(
    new Request(new URL("/api/session", request.url), { headers: { Authorization: authorization } }),
    env,
    ctx,
  );
  if (!session.ok) return session;
  const { user_id: userId } = (await session.json()) as { user_id: string };
  const data = { message: "Hello from the demo service.", sent_at: new Date().toISOString() };
  const result = await app.publishEvent(env, { user_id: userId, name: "demo.hello", data }, { publisher: "demo" });
  if (result.ok) return json(result.value, 202);
  // The events limiters count in 60 s windows (wrangler.jsonc).
  const retry: Record<string, string> = result.error.code === "rate_limited" ? { "Retry-After": "60" } : {};
  return json({ error: result.error }, ERROR_STATUS[result.error.code], retry);
}

const worker: TetherApp["worker"] = {
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname === "/demo/notify" ? demoNotify(request, env, ctx) : app.worker.fetch(request, env, ctx),
};

export default worker;
export class UserSession extends app.UserSession {}
export class SessionControl extends app.SessionControl {}
