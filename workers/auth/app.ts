import { Hono } from "hono";
import { cors } from "hono/cors";
import { onError, onNotFound } from "../shared/http.js";
import { requestLog } from "../shared/request-log.js";
import { withAuthContext, type AuthAppEnv } from "./middleware.js";
import { originAllowed } from "./oauth/return-origins.js";
import { allowedReturnOrigins } from "./oauth/settings.js";
import { accountRoutes } from "./routes/accounts.js";
import { discoveryRoutes } from "./routes/discovery.js";
import { emailRoutes } from "./routes/email-routes.js";
import { oauthRoutes } from "./routes/oauth.js";
import { serviceRoutes } from "./routes/services.js";
import { sessionRoutes } from "./routes/session-routes.js";

/** The auth Worker's HTTP surface (docs/protocol.md, HTTP). */
export const authApp = new Hono<AuthAppEnv>();

authApp.use(
  "*",
  requestLog<AuthAppEnv>("auth", (c) => c.var.userId),
);
authApp.use("*", withAuthContext);
// Apps on the allowed return origins (staging previews) call the auth API from their own origin,
// the handoff above all; no other origin gets CORS. No cookies cross: tokens travel in bodies.
authApp.use(
  "/auth/*",
  cors({
    origin: (origin, c) => (originAllowed(origin, allowedReturnOrigins(c.env)) ? origin : null),
    allowMethods: ["GET", "POST", "DELETE"],
    allowHeaders: ["Content-Type", "Authorization"],
    maxAge: 600,
  }),
);
authApp.route("/auth", accountRoutes);
authApp.route("/auth", sessionRoutes);
authApp.route("/auth", serviceRoutes);
authApp.route("/auth", emailRoutes);
authApp.route("/auth", oauthRoutes);
authApp.route("/", discoveryRoutes);
authApp.onError(onError);
authApp.notFound(onNotFound);
