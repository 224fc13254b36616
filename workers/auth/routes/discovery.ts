import { Hono } from "hono";
import { TETHER_VERSION } from "../../shared/version.js";
import { authConfigProblems } from "../config-check.js";
import type { AuthAppEnv } from "../middleware.js";

/** Public, unauthenticated: the access-token keys and liveness. */
export const discoveryRoutes = new Hono<AuthAppEnv>();

discoveryRoutes.get("/.well-known/jwks.json", async (c) => {
  const keys = await c.var.auth.accessKeys();
  // Verifiers may cache the set briefly; a rotation keeps the previous key listed meanwhile.
  c.header("Cache-Control", "public, max-age=300");
  return c.json(keys.jwks);
});

/** 200 `ok`, or 503 `misconfigured` with what is missing (a monitor alerts on it before users do). */
discoveryRoutes.get("/health", (c) => {
  const problems = authConfigProblems(c.env, c.var.auth.config);
  const body = { service: "auth", environment: c.env.ENVIRONMENT, version: TETHER_VERSION };
  if (problems.length > 0) return c.json({ status: "misconfigured", ...body, problems }, 503);
  return c.json({ status: "ok", ...body });
});
