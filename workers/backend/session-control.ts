import { WorkerEntrypoint } from "cloudflare:workers";
import { appDatabase } from "../../durable-objects/db/client.js";
import { upsertUser } from "../../durable-objects/message-store.js";
import { ApiError } from "../shared/errors.js";
import type { PublicUser, RpcResult, SessionControlApi, SessionRevocationReason } from "../shared/rpc.js";
import { verifyServiceToken } from "../shared/service-token.js";
import { TokenError } from "../shared/token-errors.js";
import { AUTH_SERVICE_NAME, BACKEND_SERVICE_NAME } from "../shared/tokens.js";
import type { BackendBindings } from "./config.js";
import { authGateway } from "./gateway.js";

const MAX_SESSIONS_PER_CALL = 1000;

/**
 * The auth Worker's way in (session sync): revocations and user updates pushed to live sockets.
 * Every call must carry a service token minted by the auth Worker itself and addressed to us;
 * the binding is private, but a leaked binding must not be able to close anyone's session.
 */
export class SessionControl extends WorkerEntrypoint<BackendBindings> implements SessionControlApi {
  private async fromAuth<T>(serviceToken: unknown, work: () => Promise<T>): Promise<RpcResult<T>> {
    try {
      await this.verifyAuthCaller(serviceToken);
      return { ok: true, value: await work() };
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
      console.error("SessionControl failed", error instanceof Error ? error.message : typeof error);
      return { ok: false, error: { code: "internal_error", message: "The backend could not apply the change." } };
    }
  }

  private async verifyAuthCaller(serviceToken: unknown): Promise<void> {
    if (typeof serviceToken !== "string" || serviceToken.length === 0 || serviceToken.length > 8192) {
      throw new ApiError("service_token_required", "Every call must carry a service token.");
    }
    const gateway = authGateway(this.env);
    const expected = { issuer: this.env.AUTH_ISSUER, audience: BACKEND_SERVICE_NAME };
    for (const refresh of [false, true]) {
      const keys = await gateway.serviceKeySet({ refresh });
      if (!keys) throw new ApiError("auth_unavailable", "The auth service's keys are not available.");
      try {
        const claims = await verifyServiceToken(serviceToken, keys, expected);
        if (claims.service !== AUTH_SERVICE_NAME) break;
        return;
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
      }
    }
    throw new ApiError("invalid_service", "A service token from the auth service, addressed to the backend, is required.");
  }

  private closeSession(sessionId: string, reason: SessionRevocationReason): Promise<number> {
    return this.env.USER_SESSION.get(this.env.USER_SESSION.idFromName(sessionId)).revoke(reason);
  }

  revokeSession(serviceToken: string, sessionId: string, reason: SessionRevocationReason) {
    return this.fromAuth(serviceToken, async () => ({ closed: await this.closeSession(String(sessionId).slice(0, 64), reason) }));
  }

  revokeUser(serviceToken: string, _userId: string, sessionIds: string[], reason: SessionRevocationReason) {
    return this.fromAuth(serviceToken, async () => {
      const ids = Array.isArray(sessionIds) ? sessionIds.slice(0, MAX_SESSIONS_PER_CALL).map((id) => String(id).slice(0, 64)) : [];
      const closed = await Promise.all(ids.map((id) => this.closeSession(id, reason)));
      return { closed: closed.reduce((sum, count) => sum + count, 0) };
    });
  }

  userUpdated(serviceToken: string, user: PublicUser) {
    return this.fromAuth(serviceToken, async () => {
      await upsertUser(appDatabase(this.env.APP_DB), { userId: user.id, email: user.email, name: user.name }, Date.now());
      return null;
    });
  }
}
