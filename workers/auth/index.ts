import type { AuthBindings } from "./config.js";
import { logEvent } from "../shared/request-log.js";
import { authApp } from "./app.js";
import { authContext } from "./context.js";
import { renormalizeEmails } from "./email-renormalization.js";
import { purgeExpired } from "./retention.js";
import { pushSessionSync } from "./session-sync.js";

export { AuthService } from "./auth-service.js";

/** The auth Worker on its own route (production, or `wrangler dev -c workers/auth/wrangler.toml`). */
export default {
  fetch: (request, env, ctx) => authApp.fetch(request, env, ctx),
  /** Retries session-sync deliveries that failed (the backend was down), and purges what retention allows. */
  scheduled: async (_controller, env, ctx) => {
    const auth = authContext(env);
    ctx.waitUntil(pushSessionSync(auth, env).then(() => undefined));
    ctx.waitUntil(
      purgeExpired(auth).then((purged) => {
        if (Object.values(purged).some((count) => count > 0)) logEvent("info", "retention_purge", { ...purged });
      }),
    );
    ctx.waitUntil(
      renormalizeEmails(auth).then((result) => {
        if (Object.values(result).some((count) => count > 0)) logEvent("info", "email_renormalization", { ...result });
      }),
    );
  },
} satisfies ExportedHandler<AuthBindings>;
