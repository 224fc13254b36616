import type { AuthBindings } from "./config.js";
import { authApp } from "./app.js";
import { authContext } from "./context.js";
import { purgeLoginAttempts } from "./oauth/login-attempts.js";
import { pushSessionSync } from "./session-sync.js";

export { AuthService } from "./auth-service.js";

/** The auth Worker on its own route (production, or `wrangler dev -c workers/auth/wrangler.toml`). */
export default {
  fetch: (request, env, ctx) => authApp.fetch(request, env, ctx),
  /** Retries session-sync deliveries that failed (the backend was down), and purges old sign-ins. */
  scheduled: async (_controller, env, ctx) => {
    const auth = authContext(env);
    ctx.waitUntil(pushSessionSync(auth, env).then(() => undefined));
    ctx.waitUntil(purgeLoginAttempts(auth));
  },
} satisfies ExportedHandler<AuthBindings>;
