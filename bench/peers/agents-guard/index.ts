// The guard's overhead (bench/agents-guard.ts): one Worker with an Agent behind Tether's guard
// (/agents/guarded-agent/<user id>) and the same Agent behind a bare routeAgentRequest
// (/bare/bare-agent/<name>), the auth Worker beside it in the same workerd.
import { Agent, routeAgentRequest, type Connection, type WSMessage } from "agents";
import { forwardToTetherAuth, TetherAgentSessionControl, tetherGuard, withTether, type TetherAgentsEnv } from "@tether/server/agents";

interface GuardBenchEnv extends TetherAgentsEnv {
  BareAgent: DurableObjectNamespace<BareAgent>;
  GuardedAgent: DurableObjectNamespace<GuardedAgent>;
}

export class BareAgent extends Agent {
  override onMessage(connection: Connection, message: WSMessage): void {
    connection.send(message);
  }
}

export class GuardedAgent extends withTether(Agent) {
  override onMessage(connection: Connection, message: WSMessage): void {
    connection.send(message);
  }
}

export { TetherAgentSessions } from "@tether/server/agents";
export class SessionControl extends TetherAgentSessionControl {}

export default {
  async fetch(request: Request, env: GuardBenchEnv): Promise<Response> {
    const auth = await forwardToTetherAuth(request, env);
    if (auth) return auth;
    const bare = new URL(request.url).pathname.startsWith("/bare/");
    const routed = bare
      ? await routeAgentRequest(request, env, { prefix: "bare" })
      : await routeAgentRequest(request, env, tetherGuard(env, { agents: ["GuardedAgent"] }));
    return routed ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<GuardBenchEnv>;
