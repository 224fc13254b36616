import type { Hono } from "hono";
import { cors } from "hono/cors";
import { securityHeaders, workerApp } from "../shared/http.js";
import type { AuthSetup } from "./auth-setup.js";
import { withAuthContext, type AuthAppEnv } from "./middleware.js";
import { originAllowed } from "./oauth/return-origins.js";
import { allowedReturnOrigins } from "./oauth/settings.js";
import { accountRoutes } from "./routes/accounts.js";
import { discoveryRoutes } from "./routes/discovery.js";
import { emailRoutes } from "./routes/email-routes.js";
import { mfaRoutes } from "./routes/mfa-routes.js";
import { oauthRoutes } from "./routes/oauth.js";
import { passkeyRoutes } from "./routes/passkey-routes.js";
import { serviceRoutes } from "./routes/services.js";
import { sessionRoutes } from "./routes/session-routes.js";

/** The auth Worker's HTTP surface (docs/protocol.md, HTTP) for an app's setup. */
export function authApp(setup: AuthSetup): Hono<AuthAppEnv> {
  const app = workerApp<AuthAppEnv>("auth", setup);
  app.use("*", securityHeaders());
  app.use("*", withAuthContext);
  // Apps on the allowed return origins (staging previews) call the auth API from their own origin,
  // the handoff above all; no other origin gets CORS. No cookies cross: tokens travel in bodies.
  app.use(
    "/auth/*",
    cors({
      origin: (origin, c) => (originAllowed(origin, allowedReturnOrigins(c.env)) ? origin : null),
      allowMethods: ["GET", "POST", "PATCH", "DELETE"],
      allowHeaders: ["Content-Type", "Authorization"],
      maxAge: 600,
    }),
  );
  app.route("/auth", accountRoutes);
  app.route("/auth", sessionRoutes);
  app.route("/auth", serviceRoutes);
  app.route("/auth", emailRoutes);
  app.route("/auth", oauthRoutes);
  app.route("/auth", mfaRoutes);
  app.route("/auth", passkeyRoutes);
  app.route("/", discoveryRoutes);
  return app;
}
