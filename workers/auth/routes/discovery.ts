import { Hono } from "hono";
import { TETHER_VERSION } from "../../shared/version.js";
import type { AuthAppEnv } from "../middleware.js";

/** Public, unauthenticated: the access-token keys and liveness. */
export const discoveryRoutes = new Hono<AuthAppEnv>();

discoveryRoutes.get("/.well-known/jwks.json", async (c) => {
  const keys = await c.var.auth.accessKeys();
  // Verifiers may cache the set briefly; a rotation keeps the previous key listed meanwhile.
  c.header("Cache-Control", "public, max-age=300");
  return c.json(keys.jwks);
});

discoveryRoutes.get("/health", (c) =>
  c.json({ status: "ok", service: "auth", environment: c.env.ENVIRONMENT, version: TETHER_VERSION }),
);
