/**
 * @module
 * `tether(options)`: the backend Worker as a library. An app gives its agents, tools and limits,
 * and exports what this returns — the Worker's handler and the two classes its wrangler config
 * names — so adding an agent or a tool never means editing Tether's source:
 *
 *   const app = tether({ agents: { support: supportAgent }, tools: [lookupOrder] });
 *   export default app.worker;
 *   export const { UserSession, SessionControl } = app;
 *
 * The options are checked here, once: a mistake throws a TetherConfigError naming the option, so
 * `wrangler dev` and `wrangler deploy` stop at start-up instead of the first message failing.
 */
import { sessionSetup, type SessionSetupOptions } from "../../durable-objects/session-setup.js";
import { UserSession as SessionObject, type UserSessionEnv } from "../../durable-objects/user-session.js";
import { ApiError } from "../shared/errors.js";
import type { PublishEvent, PublishEventResult, RpcResult } from "../shared/rpc.js";
import { backendApp } from "./app.js";
import type { BackendBindings } from "./config.js";
import { publishEvent } from "./event-publish.js";
import { SessionControl as SessionControlEntrypoint } from "./session-control.js";

export type TetherOptions = SessionSetupOptions;

export interface TetherApp {
  /** The Worker's handler: `export default app.worker`. */
  worker: { fetch(request: Request, env: BackendBindings, ctx?: ExecutionContext): Response | Promise<Response> };
  /** The Durable Object class, one per login session: export it under the name the config's binding uses (`UserSession`). */
  UserSession: new (ctx: DurableObjectState, env: UserSessionEnv) => SessionObject;
  /** The entrypoint the auth Worker's session sync calls (`SessionControl`). */
  SessionControl: new (ctx: ExecutionContext, env: BackendBindings) => SessionControlEntrypoint;
  /**
   * Publishes an event for a user from the app's own code (docs/notifications.md): what
   * `POST /api/events` does for a service, with no token — the app is its own publisher, rate
   * limited under `app:<publisher>` and per user like any other. Fails as the RPC form does.
   */
  publishEvent(env: BackendBindings, event: PublishEvent, options: { publisher: string }): Promise<RpcResult<PublishEventResult>>;
}

export function tether(options: TetherOptions): TetherApp {
  const setup = sessionSetup(options);
  const app = backendApp(setup);
  return {
    worker: { fetch: (request, env, ctx) => app.fetch(request, env, ctx) },
    UserSession: class AppUserSession extends SessionObject {
      constructor(ctx: DurableObjectState, env: UserSessionEnv) {
        super(ctx, env, setup);
      }
    },
    SessionControl: class AppSessionControl extends SessionControlEntrypoint {
      constructor(ctx: ExecutionContext, env: BackendBindings) {
        super(ctx, env, setup);
      }
    },
    async publishEvent(env, event, { publisher }) {
      try {
        return { ok: true, value: await publishEvent(env, setup, { rateLimitKey: `app:${publisher}`, name: `app:${publisher}` }, event) };
      } catch (error) {
        if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
        throw error;
      }
    },
  };
}
