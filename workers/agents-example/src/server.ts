/**
 * @module
 * The example's Worker: Tether's auth routes on this origin, every `/agents/*` request through
 * Tether's guard, and the classes its config names.
 */
import { routeAgentRequest } from "agents";
import { forwardToTetherAuth, TetherAgentSessionControl, tetherGuard } from "@tether/server/agents";
import type { ChatEnv } from "./chat.js";

export { Chat } from "./chat.js";
export { TetherAgentSessions } from "@tether/server/agents";
/** The auth Worker's BACKEND binding points here (entrypoint "SessionControl"). */
export class SessionControl extends TetherAgentSessionControl {}

export default {
  async fetch(request: Request, env: ChatEnv): Promise<Response> {
    const auth = await forwardToTetherAuth(request, env);
    if (auth) return auth;
    const routed = await routeAgentRequest(request, env, tetherGuard(env, { agents: ["Chat"] }));
    return routed ?? Response.json({ error: { code: "not_found", message: "No such route." } }, { status: 404 });
  },
} satisfies ExportedHandler<ChatEnv>;
