import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { routePartykitRequest, Server, type Connection, type WSMessage } from "partyserver";

interface PartyEnv {
  EchoRoom: DurableObjectNamespace<EchoRoom>;
  TETHER_JWKS: string;
  AUTH_ISSUER: string;
  ACCESS_TOKEN_AUDIENCE: string;
}

/** An echo room, hibernating like Tether's session objects. */
export class EchoRoom extends Server<PartyEnv> {
  static override options = { hibernate: true };

  override onMessage(connection: Connection, message: WSMessage): void {
    connection.send(message);
  }
}

let keys: JWTVerifyGetKey | null = null;

/** `/parties/echo-room/<room>?token=<access token>`: the token is verified before the room sees the socket. */
export default {
  async fetch(request: Request, env: PartyEnv): Promise<Response> {
    keys ??= createLocalJWKSet(JSON.parse(env.TETHER_JWKS) as JSONWebKeySet);
    const verifier = keys;
    const routed = await routePartykitRequest(request, env, {
      onBeforeConnect: async (connecting) => {
        const token = new URL(connecting.url).searchParams.get("token") ?? "";
        try {
          await jwtVerify(token, verifier, { algorithms: ["ES256"], issuer: env.AUTH_ISSUER, audience: env.ACCESS_TOKEN_AUDIENCE });
        } catch {
          return new Response("Unauthorized", { status: 401 });
        }
      },
    });
    return routed ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<PartyEnv>;
