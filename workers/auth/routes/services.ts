import { Hono } from "hono";
import { jsonBody } from "../../shared/http.js";
import { introspectToken } from "../introspection.js";
import { enforceRateLimit, rateLimit, requireService, type AuthAppEnv } from "../middleware.js";
import { ServiceTokenBody, ValidateBody } from "../schemas.js";
import { SERVICE_PERMISSIONS } from "../../shared/tokens.js";
import { authenticateServiceClient, grantedPermissions, mintServiceToken } from "../tokens/service.js";

/** Service-to-service: client credentials for a service token, and token introspection. */
export const serviceRoutes = new Hono<AuthAppEnv>();

/**
 * Client credentials for a service token. Rate limited per address and per service id, so neither
 * guessing one service's secret from many addresses nor many ids from one address goes far.
 */
serviceRoutes.post("/service-token", rateLimit("service-token"), jsonBody(ServiceTokenBody), async (c) => {
  const { service_id, service_secret, permissions } = c.req.valid("json");
  await enforceRateLimit(c.env, `service-token:service:${service_id}`);
  const auth = c.var.auth;
  const client = await authenticateServiceClient(auth.db, service_id, service_secret);
  const grant = await mintServiceToken(await auth.serviceKeys(), auth.config.issuer, client, grantedPermissions(client, permissions));
  return c.json(grant);
});

/**
 * Token introspection for a service holding `tokens:validate`. The caller is its token's subject —
 * a registered service client's id — never its `service` name, which is free text any client
 * could be registered with.
 */
serviceRoutes.post("/validate", requireService(SERVICE_PERMISSIONS.validateTokens), jsonBody(ValidateBody), async (c) => {
  const { token } = c.req.valid("json");
  return c.json(await introspectToken(c.var.auth, token, c.var.service.sub));
});
