/**
 * @module
 * `tetherAuth(options)`: the auth Worker as a library. An app gives its providers, mail transport,
 * password policy and settings, and exports what this returns — the Worker's handler (HTTP and
 * the cron) and the `AuthService` entrypoint its backend's binding names:
 *
 *   const auth = tetherAuth({ providers: { google: { type: "google", client_id: "…" } } });
 *   export default auth.worker;
 *   export class AuthService extends auth.AuthService {}
 *
 * The options are checked here, once: a mistake throws a TetherConfigError naming the option.
 */
import { logEvent } from "../shared/request-log.js";
import { authApp } from "./app.js";
import { AuthService as AuthServiceEntrypoint } from "./auth-service.js";
import { authSetup, type TetherAuthOptions } from "./auth-setup.js";
import type { AuthBindings } from "./config.js";
import { authContext } from "./context.js";
import { renormalizeEmails } from "./email-renormalization.js";
import { purgeExpired } from "./retention.js";
import { pushSessionSync } from "./session-sync.js";

export interface TetherAuthApp {
  /** The Worker's handler: `export default auth.worker` (HTTP on its own route, and the cron). */
  worker: {
    fetch(request: Request, env: AuthBindings, ctx?: ExecutionContext): Response | Promise<Response>;
    scheduled: ExportedHandlerScheduledHandler<AuthBindings>;
  };
  /** The RPC entrypoint the backend's `AUTH` binding names (`AuthService`). */
  AuthService: new (ctx: ExecutionContext, env: AuthBindings) => AuthServiceEntrypoint;
}

export function tetherAuth<Env = unknown>(options: TetherAuthOptions<Env> = {}): TetherAuthApp {
  const setup = authSetup(options);
  const app = authApp(setup);
  return {
    worker: {
      fetch: (request, env, ctx) => app.fetch(request, env, ctx),
      /** Retries session-sync deliveries that failed (the backend was down), and purges what retention allows. */
      scheduled: async (_controller, env, ctx) => {
        const auth = authContext(setup, env);
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
    },
    AuthService: class AppAuthService extends AuthServiceEntrypoint {
      constructor(ctx: ExecutionContext, env: AuthBindings) {
        super(ctx, env, setup, app);
      }
    },
  };
}
