import type { z } from "zod";
import { ApiError } from "./errors.js";
import {
  LiveSessionPageSchema,
  PublicUserSchema,
  ServiceTokenGrantSchema,
  SigningKeySetsSchema,
  type AuthServiceApi,
  type LiveSessionPage,
  type PublicUser,
  type RpcResult,
  type SigningKeySets,
} from "./rpc.js";
import { checkedResult } from "./rpc-results.js";
import { ServiceTokenSource } from "./service-token.js";
import { AccessClaimsSchema, type AccessClaims } from "./tokens.js";

/**
 * The caller's side of the auth Worker's `AuthService` RPC (the backend Worker and its session
 * objects; not the SDK's `AuthClient`, which signs users in over HTTP). Mints this
 * service's token once and signs every call with it; a refused token is dropped and minted again
 * once, since the auth Worker may have rotated its service key. Every answer is checked against its
 * schema (rpc-results.ts). The binding is passed in: this file reads no environment.
 */
export class AuthServiceCaller {
  private readonly serviceToken: ServiceTokenSource;

  constructor(
    private readonly auth: AuthServiceApi,
    credentials: { serviceId: string; serviceSecret: string },
  ) {
    this.serviceToken = new ServiceTokenSource(async () => {
      const grant = checkedResult(await auth.issueServiceToken(credentials.serviceId, credentials.serviceSecret), ServiceTokenGrantSchema);
      if (!grant.ok) throw new ApiError("auth_unavailable", `The auth service refused our credentials (${grant.error.code}).`);
      return grant.value;
    });
  }

  validateAccessToken(accessToken: string): Promise<RpcResult<AccessClaims>> {
    return this.call((token) => this.auth.validateAccessToken(token, accessToken), AccessClaimsSchema);
  }

  getUser(userId: string): Promise<RpcResult<PublicUser | null>> {
    return this.call((token) => this.auth.getUser(token, userId), PublicUserSchema.nullable());
  }

  /** One page of the user's live session ids (`after`: the previous page's `next_after`). */
  liveSessionIds(userId: string, after: string | null): Promise<RpcResult<LiveSessionPage>> {
    return this.call((token) => this.auth.liveSessionIds(token, userId, after), LiveSessionPageSchema);
  }

  jwks(): Promise<RpcResult<SigningKeySets>> {
    return this.call((token) => this.auth.jwks(token), SigningKeySetsSchema);
  }

  private async call<T>(invoke: (serviceToken: string) => Promise<unknown>, value: z.ZodType<T>): Promise<RpcResult<T>> {
    const result = checkedResult(await invoke(await this.serviceToken.get()), value);
    if (result.ok || result.error.code !== "invalid_service") return result;
    this.serviceToken.invalidate();
    return checkedResult(await invoke(await this.serviceToken.get()), value);
  }
}
