import type { AuthBindings } from "./config.js";
import { authApp } from "./app.js";
import { authContext } from "./context.js";
import { pushSessionSync } from "./session-sync.js";

export { AuthService } from "./auth-service.js";

/** The auth Worker on its own route (production, or `wrangler dev -c workers/auth/wrangler.toml`). */
export default {
  fetch: (request, env, ctx) => authApp.fetch(request, env, ctx),
  /** Retries session-sync deliveries that failed (the backend was down or not deployed). */
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(pushSessionSync(authContext(env), env).then(() => undefined));
  },
} satisfies ExportedHandler<AuthBindings>;
