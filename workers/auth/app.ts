import { Hono } from "hono";
import { limitBody, onError, onNotFound } from "../shared/http.js";
import { withAuthContext, type AuthAppEnv } from "./middleware.js";
import { accountRoutes } from "./routes/accounts.js";
import { discoveryRoutes } from "./routes/discovery.js";
import { serviceRoutes } from "./routes/services.js";
import { sessionRoutes } from "./routes/session-routes.js";
import { MAX_AUTH_BODY_BYTES } from "./schemas.js";

/** The auth Worker's HTTP surface (DESIGN.md section 3). */
export const authApp = new Hono<AuthAppEnv>();

authApp.use("*", withAuthContext);
authApp.use("/auth/*", limitBody(MAX_AUTH_BODY_BYTES));
authApp.route("/auth", accountRoutes);
authApp.route("/auth", sessionRoutes);
authApp.route("/auth", serviceRoutes);
authApp.route("/", discoveryRoutes);
authApp.onError(onError);
authApp.notFound(onNotFound);
