import { Hono } from "hono";
import * as z from "zod";
import { bearerToken, jsonBody } from "../../shared/http.js";
import { MAX_EVENT_BODY_BYTES, publishEvent, verifyPublisher, type EventPublisher } from "../event-publish.js";
import type { BackendAppEnv } from "../user-auth.js";

/**
 * `POST /api/events` (docs/notifications.md): a service publishes an event for a user. The
 * caller is checked before the body is read, so a refused request leaves its body unread; the body
 * is then bounded (MAX_EVENT_BODY_BYTES) and checked by the one publish path (event-publish.ts).
 */
export const eventRoutes = new Hono<BackendAppEnv & { Variables: { publisher: EventPublisher } }>();

eventRoutes.post(
  "/",
  async (c, next) => {
    c.set("publisher", await verifyPublisher(c.env, c.var.setup, bearerToken(c)));
    await next();
  },
  jsonBody(z.unknown(), MAX_EVENT_BODY_BYTES),
  async (c) => c.json(await publishEvent(c.env, c.var.setup, c.var.publisher, c.req.valid("json")), 202),
);
