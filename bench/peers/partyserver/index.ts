import { routePartykitRequest, Server, type Connection, type WSMessage } from "partyserver";
import { refuseUnlessTokenValid, type TokenCheckEnv } from "../token-check.js";

interface PartyEnv extends TokenCheckEnv {
  EchoRoom: DurableObjectNamespace<EchoRoom>;
}

/** An echo room, hibernating like Tether's session objects. */
export class EchoRoom extends Server<PartyEnv> {
  static override options = { hibernate: true };

  override onMessage(connection: Connection, message: WSMessage): void {
    connection.send(message);
  }
}

/** `/parties/echo-room/<room>?token=<access token>`: the token is verified before the room sees the socket. */
export default {
  async fetch(request: Request, env: PartyEnv): Promise<Response> {
    const routed = await routePartykitRequest(request, env, { onBeforeConnect: (connecting) => refuseUnlessTokenValid(connecting, env) });
    return routed ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<PartyEnv>;
