/**
 * @module
 * What `env` from `cloudflare:workers` holds in the agents-sdk project (vitest.config.ts): the
 * example app's bindings, its secret, and the auth Worker's database for the setup file.
 */
import type { D1Migration } from "cloudflare:test";
import type { TetherAgentsEnv } from "../../workers/backend/agents-sdk/env.js";
import type { TetherAgentSessions } from "../../workers/backend/agents-sdk/session-directory.js";
import type { Chat, UntaggedChat } from "./worker.js";

declare global {
  namespace Cloudflare {
    interface Env {
      AUTH: TetherAgentsEnv["AUTH"];
      AUTH_SERVICE_SECRET: string;
      AUTH_DB: D1Database;
      TEST_AUTH_MIGRATIONS: D1Migration[];
      Chat: DurableObjectNamespace<Chat>;
      UNTAGGED_CHAT: DurableObjectNamespace<UntaggedChat>;
      TETHER_AGENT_SESSIONS: DurableObjectNamespace<TetherAgentSessions>;
    }
  }
}
