import { ApiError } from "../shared/errors.js";
import type { PublicUser, RpcResult, SigningKeySets } from "../shared/rpc.js";
import { ServiceTokenSource } from "../shared/service-token.js";
import type { AccessClaims } from "../shared/tokens.js";
import type { BackendBindings } from "./config.js";

/**
 * The backend's side of the auth RPC. Mints this service's token once per isolate and signs
 * every call with it; a refused token is dropped and minted again once.
 */
export class AuthClient {
  private readonly serviceToken: ServiceTokenSource;

  constructor(private readonly env: BackendBindings) {
    this.serviceToken = new ServiceTokenSource(async () => {
      const grant = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
      if (!grant.ok) throw new ApiError("auth_unavailable", `The auth service refused our credentials (${grant.error.code}).`);
      return grant.value;
    });
  }

  validateAccessToken(accessToken: string): Promise<RpcResult<AccessClaims>> {
    return this.call((token) => this.env.AUTH.validateAccessToken(token, accessToken));
  }

  getUser(userId: string): Promise<RpcResult<PublicUser | null>> {
    return this.call((token) => this.env.AUTH.getUser(token, userId));
  }

  jwks(): Promise<RpcResult<SigningKeySets>> {
    return this.call((token) => this.env.AUTH.jwks(token));
  }

  private async call<T>(invoke: (serviceToken: string) => Promise<RpcResult<T>>): Promise<RpcResult<T>> {
    const result = await invoke(await this.serviceToken.get());
    if (result.ok || result.error.code !== "invalid_service") return result;
    // The auth Worker may have rotated its service key: mint afresh and try once more.
    this.serviceToken.invalidate();
    return invoke(await this.serviceToken.get());
  }
}

/** One client per isolate, so the service token is minted once and reused. */
let isolateClient: { env: BackendBindings; client: AuthClient } | null = null;

export function authClient(env: BackendBindings): AuthClient {
  if (isolateClient?.env !== env) isolateClient = { env, client: new AuthClient(env) };
  return isolateClient.client;
}
