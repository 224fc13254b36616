import { Hono, type Context } from "hono";
import { bearerToken, boundedBody, MAX_JSON_BODY_BYTES, onError, onNotFound } from "../shared/http.js";
import { TokenCache } from "../shared/token-cache.js";
import { TETHER_VERSION } from "../shared/version.js";
import { apiRoutes } from "./api/routes.js";
import { authGateway } from "./gateway.js";
import type { BackendAppEnv } from "./user-auth.js";
import { upgradeWebSocket } from "./ws-upgrade.js";

/** The backend's HTTP surface; the demo page's assets are served before this runs. */
export const backendApp = new Hono<BackendAppEnv>();

/**
 * One origin: auth's routes answer here too, forwarded over the service binding (no public hop).
 * A body is read first (auth's bodies are small and bounded): streamed through, the part auth
 * never reads — it refused the request before the body — would be read after the answer had gone.
 */
async function forwardToAuth(c: Context<BackendAppEnv>): Promise<Response> {
  const request = c.req.raw;
  if (request.body === null) return c.env.AUTH.fetch(request);
  return c.env.AUTH.fetch(new Request(request, { body: await boundedBody(request, MAX_JSON_BODY_BYTES) }));
}

// The isolate that forwards a logout drops that token from its cache at once (DESIGN.md section 5).
for (const path of ["/auth/logout", "/auth/logout-all"]) {
  backendApp.post(path, async (c) => {
    const token = bearerToken(c);
    const response = await forwardToAuth(c);
    if (token !== null) authGateway(c.env).cache.forget(await TokenCache.key(token));
    return response;
  });
}
backendApp.all("/auth/*", forwardToAuth);
backendApp.all("/.well-known/*", forwardToAuth);

backendApp.get("/ws", upgradeWebSocket);
backendApp.route("/api", apiRoutes);
backendApp.get("/health", (c) =>
  c.json({ status: "ok", service: "backend", auth: { breaker: authGateway(c.env).breakerState }, version: TETHER_VERSION }),
);

backendApp.onError(onError);
backendApp.notFound(onNotFound);
