import type { JSONWebKeySet } from "jose";
import type { ErrorCode } from "./errors.js";
import type { AccessClaims } from "./tokens.js";

/**
 * The RPC contracts between the Workers (DESIGN.md section 1). Every method but
 * `issueServiceToken` takes the caller's service token first and verifies it before anything else.
 * Failures are values, not exceptions, so they keep their typed code across the binding.
 */

export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: RpcError };
export interface RpcError {
  code: ErrorCode;
  message: string;
}

export interface ServiceTokenGrant {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  service_name: string;
}

/** The user as the auth Worker tells other services about it: never a password hash. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  permissions: string[];
  created_at: string;
  disabled: boolean;
}

export interface SigningKeySets {
  /** Keys that sign user access tokens (the same set as /.well-known/jwks.json). */
  access: JSONWebKeySet;
  /** Keys that sign service tokens. */
  service: JSONWebKeySet;
}

export interface AuthServiceApi {
  issueServiceToken(serviceId: string, serviceSecret: string): Promise<RpcResult<ServiceTokenGrant>>;
  validateAccessToken(serviceToken: string, accessToken: string): Promise<RpcResult<AccessClaims>>;
  getUser(serviceToken: string, userId: string): Promise<RpcResult<PublicUser | null>>;
  jwks(serviceToken: string): Promise<RpcResult<SigningKeySets>>;
  /** Needs the `users:disable` permission: for operators and admin services, not the backend. */
  disableUser(serviceToken: string, userId: string): Promise<RpcResult<{ sessions_revoked: number }>>;
}

export type SessionRevocationReason = "logout" | "logout_all" | "refresh_token_reuse" | "user_disabled";

/**
 * auth → backend (session sync). The auth Worker owns sessions, so it names the ones it revoked:
 * `revokeUser` carries the user's session ids rather than the backend keeping an index of them.
 * Results count the sockets closed.
 */
export interface SessionControlApi {
  revokeSession(serviceToken: string, sessionId: string, reason: SessionRevocationReason): Promise<RpcResult<{ closed: number }>>;
  revokeUser(serviceToken: string, userId: string, sessionIds: string[], reason: SessionRevocationReason): Promise<RpcResult<{ closed: number }>>;
  userUpdated(serviceToken: string, user: PublicUser): Promise<RpcResult<null>>;
}
