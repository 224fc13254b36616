import type { AuthBindings } from "./config.js";
import { authApp } from "./app.js";

export { AuthService } from "./auth-service.js";

/** The auth Worker on its own route (production, or `wrangler dev -c workers/auth/wrangler.toml`). */
export default {
  fetch: (request, env, ctx) => authApp.fetch(request, env, ctx),
} satisfies ExportedHandler<AuthBindings>;
