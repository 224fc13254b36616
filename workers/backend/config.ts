import type { SessionSetup } from "../../durable-objects/session-setup.js";
import { UserSession } from "../../durable-objects/user-session.js";
import type { AuthServiceApi } from "../shared/rpc.js";

/**
 * The backend's bindings: what `wrangler types` generates, with the AUTH binding typed by the
 * shared RPC contract (never by importing the auth Worker), the session namespace typed by its
 * class, and the secret `wrangler types` cannot see.
 */
export type BackendBindings = Omit<BackendEnv, "AUTH" | "USER_SESSION" | "EVENTS_PUBLISHER_RATE_LIMITER" | "EVENTS_USER_RATE_LIMITER"> & {
  AUTH: Fetcher & AuthServiceApi;
  USER_SESSION: DurableObjectNamespace<UserSession>;
  /**
   * Rate limits of published events (docs/notifications.md): per publisher and per user. An app
   * whose config lacks them takes no events (403), never unlimited ones.
   */
  EVENTS_PUBLISHER_RATE_LIMITER?: RateLimit;
  EVENTS_USER_RATE_LIMITER?: RateLimit;
  /** This service's secret for `AuthService.issueServiceToken`; `npm run dev` generates one. */
  AUTH_SERVICE_SECRET?: string;
};

/**
 * What a deployment of the backend lacks: reported by `/health` (503 `misconfigured`) and logged
 * once per isolate — a missing secret (named, never a value), an `AGENT` that names no agent or
 * lacks its binding.
 */
export function backendConfigProblems(env: BackendBindings, setup: SessionSetup): string[] {
  let problems = checked.get(env);
  if (!problems) {
    const secret = env.AUTH_SERVICE_SECRET ? [] : ["AUTH_SERVICE_SECRET is not set (wrangler secret put AUTH_SERVICE_SECRET)"];
    problems = [...secret, ...UserSession.configProblems(setup, env)];
    checked.set(env, problems);
  }
  return problems;
}

/** Checked once per env object: workerd hands an isolate's requests the same one. */
const checked = new WeakMap<object, string[]>();
