import { Hono } from "hono";
import { jsonBody } from "../../shared/http.js";
import { introspectToken } from "../introspection.js";
import { requireService, type AuthAppEnv } from "../middleware.js";
import { ServiceTokenBody, ValidateBody } from "../schemas.js";
import { authenticateServiceClient, grantedPermissions, mintServiceToken } from "../tokens/service.js";

/** Service-to-service: client credentials for a service token, and token introspection. */
export const serviceRoutes = new Hono<AuthAppEnv>();

serviceRoutes.post("/service-token", jsonBody(ServiceTokenBody), async (c) => {
  const { service_id, service_secret, permissions } = c.req.valid("json");
  const auth = c.var.auth;
  const client = await authenticateServiceClient(auth.db, service_id, service_secret);
  const grant = await mintServiceToken(
    await auth.serviceKeys(),
    auth.config.issuer,
    client,
    grantedPermissions(client, permissions),
  );
  return c.json(grant);
});

serviceRoutes.post("/validate", requireService, jsonBody(ValidateBody), async (c) => {
  const { token } = c.req.valid("json");
  return c.json(await introspectToken(c.var.auth, token, c.var.service.service));
});
