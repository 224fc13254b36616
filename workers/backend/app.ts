import type { Context, Hono } from "hono";
import type { SessionSetup } from "../../durable-objects/session-setup.js";
import { bearerToken, boundedBody, MAX_JSON_BODY_BYTES, securityHeaders, workerApp } from "../shared/http.js";
import { reportConfigProblemsOnce, REQUEST_ID_HEADER } from "../shared/request-log.js";
import { TETHER_VERSION } from "../shared/version.js";
import { apiRoutes } from "./api/routes.js";
import { backendConfigProblems } from "./config.js";
import { authGateway } from "./gateway.js";
import type { BackendAppEnv } from "./user-auth.js";
import { upgradeWebSocket } from "./ws-upgrade.js";

/**
 * One origin: auth's routes answer here too, forwarded over the service binding (no public hop).
 * A body is read first (auth's bodies are small and bounded): streamed through, the part auth
 * never reads — it refused the request before the body — would be read after the answer had gone.
 */
async function forwardToAuth(c: Context<BackendAppEnv>): Promise<Response> {
  const request = c.req.raw;
  const headers = new Headers(request.headers);
  // The auth Worker logs the same request id as this one.
  headers.set(REQUEST_ID_HEADER, c.var.requestId);
  const body = request.body === null ? null : await boundedBody(request, MAX_JSON_BODY_BYTES);
  return c.env.AUTH.fetch(new Request(request, { headers, body }));
}

/** The backend's HTTP surface for an app's setup; the page's assets are served before this runs. */
export function backendApp(setup: SessionSetup): Hono<BackendAppEnv> {
  const app = workerApp<BackendAppEnv>("backend", setup);
  app.use("*", async (c, next) => {
    reportConfigProblemsOnce(c.env, "backend", backendConfigProblems(c.env, setup));
    await next();
  });
  // A user's data is never cached on the way. The security headers go on what this Worker answers
  // itself; /auth/* and /.well-known/* come back from the auth Worker with its own.
  app.use("/api/*", securityHeaders());
  app.use("/health", securityHeaders());
  app.use("/api/*", async (c, next) => {
    await next();
    c.res.headers.set("Cache-Control", "no-store");
  });

  // The isolate that forwards a logout drops that token from its cache at once (docs/architecture.md).
  for (const path of ["/auth/logout", "/auth/logout-all"]) {
    app.post(path, async (c) => {
      const token = bearerToken(c);
      const response = await forwardToAuth(c);
      if (token !== null) await authGateway(c.env, setup.settings).forget(token);
      return response;
    });
  }
  app.all("/auth/*", forwardToAuth);
  app.all("/.well-known/*", forwardToAuth);

  app.get("/ws", upgradeWebSocket);
  app.route("/api", apiRoutes);
  /** 200 `ok`, or 503 `misconfigured` with what is missing; the breaker says whether auth answers. */
  app.get("/health", (c) => {
    const problems = backendConfigProblems(c.env, setup);
    const body = {
      service: "backend",
      environment: c.env.ENVIRONMENT,
      auth: { breaker: authGateway(c.env, setup.settings).breakerState },
      // Which agent serves, and whether it could be made here (a factory that finds no API key says why in `problems`).
      agent: { name: setup.agents.chosenName(c.env), ready: setup.agents.choose(c.env).ok },
      version: TETHER_VERSION,
    };
    if (problems.length > 0) return c.json({ status: "misconfigured", ...body, problems }, 503);
    return c.json({ status: "ok", ...body });
  });
  return app;
}
