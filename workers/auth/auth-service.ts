import { errorKind } from "../shared/request-log.js";
import { WorkerEntrypoint } from "cloudflare:workers";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { ApiError } from "../shared/errors.js";
import {
  MAX_SESSION_IDS_PER_PAGE,
  type AuthServiceApi,
  type LiveSessionPage,
  type PublicUser,
  type RpcResult,
  type ServiceTokenGrant,
  type SigningKeySets,
} from "../shared/rpc.js";
import { TokenError } from "../shared/token-errors.js";
import { SERVICE_PERMISSIONS, type AccessClaims, type ServicePermission } from "../shared/tokens.js";
import type { Hono } from "hono";
import type { AuthSetup } from "./auth-setup.js";
import type { AuthBindings } from "./config.js";
import { authContext, type AuthContext } from "./context.js";
import { sessions } from "./db/schema.js";
import { verifyServiceCaller, type AuthAppEnv } from "./middleware.js";
import { pushSessionSync } from "./session-sync.js";
import { disableUser } from "./revocation.js";
import { authenticateAccessToken } from "./sessions.js";
import { authenticateServiceClient, mintServiceToken } from "./tokens/service.js";
import { findUserById, toPublicUser } from "./users.js";

const MAX_RPC_STRING_LENGTH = 8192;

/** Arguments cross the binding untyped at run time: bound them like any other input. */
function boundedString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_RPC_STRING_LENGTH) {
    throw new ApiError("invalid_request", `${name} must be a non-empty string of at most ${MAX_RPC_STRING_LENGTH} characters.`);
  }
  return value;
}

/** Turns a thrown typed error into a failure value; anything else becomes `internal_error`. */
async function asResult<T>(work: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ApiError || error instanceof TokenError) {
      return { ok: false, error: { code: error.code, message: error.message } };
    }
    console.error("AuthService RPC failed", errorKind(error));
    return { ok: false, error: { code: "internal_error", message: "The auth service failed." } };
  }
}

/**
 * The RPC entrypoint the backend's `AUTH` binding points at. Every method except
 * `issueServiceToken` verifies the caller's service token before anything else: bindings are
 * private, but defence in depth means a leaked binding is not a skeleton key.
 */
export class AuthService extends WorkerEntrypoint<AuthBindings> implements AuthServiceApi {
  /** An app's class is this one bound to its setup and HTTP surface (`tetherAuth()` in tether-auth.ts). */
  constructor(
    ctx: ExecutionContext,
    env: AuthBindings,
    private readonly setup: AuthSetup,
    private readonly http: Hono<AuthAppEnv>,
  ) {
    super(ctx, env);
  }

  /** HTTP over the binding: the backend forwards /auth/* and /.well-known/* here. */
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(this.http.fetch(request, this.env, this.ctx));
  }

  /** Runs `work` for a caller whose service token verifies and holds `permission` (docs/protocol.md, Tokens). */
  private async asService<T>(
    serviceToken: unknown,
    permission: ServicePermission,
    work: (auth: AuthContext) => Promise<T>,
  ): Promise<RpcResult<T>> {
    return asResult(async () => {
      const auth = authContext(this.setup, this.env);
      if (typeof serviceToken !== "string" || serviceToken.length === 0) {
        throw new ApiError("service_token_required", "Every call must carry a service token.");
      }
      await verifyServiceCaller(auth, boundedString(serviceToken, "serviceToken"), permission);
      return work(auth);
    });
  }

  /**
   * Disables a user (an operator's or admin service's call, permission `users:disable`): the
   * user can no longer sign in or refresh, every session is revoked, and their live sockets close
   * with 4003 through session sync.
   */
  disableUser(serviceToken: string, userId: string): Promise<RpcResult<{ sessions_revoked: number }>> {
    return this.asService(serviceToken, SERVICE_PERMISSIONS.disableUsers, async (auth) => {
      const revoked = await disableUser(auth, boundedString(userId, "userId"));
      this.ctx.waitUntil(pushSessionSync(auth, this.env));
      return { sessions_revoked: revoked };
    });
  }

  issueServiceToken(serviceId: string, serviceSecret: string): Promise<RpcResult<ServiceTokenGrant>> {
    return asResult(async () => {
      const auth = authContext(this.setup, this.env);
      const client = await authenticateServiceClient(
        auth.db,
        boundedString(serviceId, "serviceId"),
        boundedString(serviceSecret, "serviceSecret"),
      );
      return mintServiceToken(await auth.serviceKeys(), auth.config.issuer, client, client.permissions);
    });
  }

  validateAccessToken(serviceToken: string, accessToken: string): Promise<RpcResult<AccessClaims>> {
    return this.asService(serviceToken, SERVICE_PERMISSIONS.validateTokens, async (auth) => {
      const { claims } = await authenticateAccessToken(auth, boundedString(accessToken, "accessToken"));
      return claims;
    });
  }

  getUser(serviceToken: string, userId: string): Promise<RpcResult<PublicUser | null>> {
    return this.asService(serviceToken, SERVICE_PERMISSIONS.readUsers, async (auth) => {
      const user = await findUserById(auth.db, boundedString(userId, "userId"));
      return user ? toPublicUser(user) : null;
    });
  }

  /**
   * The user's live sessions, for the backend's fan-out of a published event: this Worker owns
   * sessions, so it names them (as for revokeUser). Paged by id, MAX_SESSION_IDS_PER_PAGE at a
   * time, so a user with up to MAX_SESSIONS_PER_USER (≤ 10,000) costs bounded answers; the query
   * walks the user's rows through sessions_user_id_idx.
   */
  liveSessionIds(serviceToken: string, userId: string, after: string | null): Promise<RpcResult<LiveSessionPage>> {
    return this.asService(serviceToken, SERVICE_PERMISSIONS.readUsers, async (auth) => {
      const user = boundedString(userId, "userId");
      const from = after === null ? null : boundedString(after, "after");
      const rows = await auth.db
        .select({ id: sessions.id })
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, user),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, Date.now()),
            from === null ? undefined : gt(sessions.id, from),
          ),
        )
        .orderBy(asc(sessions.id))
        .limit(MAX_SESSION_IDS_PER_PAGE + 1)
        .all();
      const page = rows.slice(0, MAX_SESSION_IDS_PER_PAGE).map((row) => row.id);
      return { session_ids: page, next_after: rows.length > MAX_SESSION_IDS_PER_PAGE ? (page.at(-1) ?? null) : null };
    });
  }

  jwks(serviceToken: string): Promise<RpcResult<SigningKeySets>> {
    return this.asService(serviceToken, SERVICE_PERMISSIONS.validateTokens, async (auth) => ({
      access: (await auth.accessKeys()).jwks,
      service: (await auth.serviceKeys()).jwks,
    }));
  }
}
