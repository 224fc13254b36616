import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

/** What the peers that verify Tether's tokens are given by the harness. */
export interface TokenCheckEnv {
  TETHER_JWKS: string;
  AUTH_ISSUER: string;
  ACCESS_TOKEN_AUDIENCE: string;
}

let keys: JWTVerifyGetKey | null = null;

/**
 * The connect hook of partyserver's and the Agents SDK's peers: the `?token=` of the upgrade
 * verified with jose against Tether's JWKS (issuer, audience, ES256) — what an app on either would
 * write — or 401 before the room or agent sees the socket.
 */
export async function refuseUnlessTokenValid(request: Request, env: TokenCheckEnv): Promise<Response | undefined> {
  keys ??= createLocalJWKSet(JSON.parse(env.TETHER_JWKS) as JSONWebKeySet);
  const token = new URL(request.url).searchParams.get("token") ?? "";
  try {
    await jwtVerify(token, keys, { algorithms: ["ES256"], issuer: env.AUTH_ISSUER, audience: env.ACCESS_TOKEN_AUDIENCE });
    return undefined;
  } catch {
    return new Response("Unauthorized", { status: 401 });
  }
}
