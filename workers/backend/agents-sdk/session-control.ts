/**
 * @module
 * `TetherAgentSessionControl`: session sync's way into an Agents SDK app. The auth Worker's
 * `BACKEND` binding points at this entrypoint as it would at Tether's backend (the same
 * `SessionControlApi`, the same check of the caller: the auth Worker's own service token, its
 * subject and the method's permission). A revocation goes to the user's directory object,
 * which closes the session's connections on every Agent instance of the user.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { BACKEND_SETTINGS } from "../../shared/backend-config.js";
import {
  PublicUserSchema,
  type PublicUser,
  type PublishEvent,
  type RpcResult,
  type SessionControlApi,
  type SessionRevocationReason,
} from "../../shared/rpc.js";
import { AUTH_SERVICE_ID, SERVICE_PERMISSIONS, type ServicePermission } from "../../shared/tokens.js";
import { MAX_SESSIONS_PER_REVOKE_CALL } from "../../shared/rpc.js";
import { verifyServiceCaller } from "../service-callers.js";
import { asResult, parsed, revokeOne, revokePage, SessionIds, Timestamp, UserId, type SessionCloser } from "../session-control.js";
import { directoryOf } from "./connect-record.js";
import type { TetherAgentsEnv } from "./env.js";

export class TetherAgentSessionControl extends WorkerEntrypoint<TetherAgentsEnv> implements SessionControlApi {
  /** Session sync: only the auth Worker's own token (`sub: "auth"`) holding `permission`. */
  private fromAuth<T>(serviceToken: unknown, permission: ServicePermission, work: () => Promise<T>): Promise<RpcResult<T>> {
    return asResult(async () => {
      await verifyServiceCaller(this.env, BACKEND_SETTINGS, serviceToken, { permission, subject: AUTH_SERVICE_ID });
      return work();
    });
  }

  /** The user's directory object closes the session's connections on every instance of the user. */
  private closerFor(userId: unknown): SessionCloser {
    const directory = directoryOf(this.env, parsed(UserId, userId, "userId"));
    return (sessionId, reason) => directory.revoke(sessionId, reason);
  }

  /** `userId` finds the directory; an auth Worker too old to send it is refused, and its row retried once upgraded. */
  revokeSession(serviceToken: string, sessionId: string, reason: SessionRevocationReason, userId: string) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.revokeSessions, () => revokeOne(this.closerFor(userId), sessionId, reason));
  }

  /** A page of the user's sessions, each closed as `revokeSession` closes one (`revokePage`). */
  revokeUser(serviceToken: string, userId: string, sessionIds: string[], reason: SessionRevocationReason) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.revokeSessions, () => revokePage(this.closerFor(userId), sessionIds, reason));
  }

  /**
   * Acknowledged, nothing to update: an Agent reads the caller's email and name from the token of
   * each connect, and the client reconnects with a fresh token before the old one expires.
   */
  userUpdated(serviceToken: string, user: PublicUser, sessionIds: string[]) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.syncUsers, () => {
      parsed(PublicUserSchema, user, "user");
      parsed(SessionIds, sessionIds, `sessionIds (at most ${MAX_SESSIONS_PER_REVOKE_CALL})`);
      return Promise.resolve({ updated: 0 });
    });
  }

  /**
   * Acknowledged: a claim also revokes the account's sessions (reason `account_claimed`), which
   * reaches each Agent instance's `onTetherSessionRevoked`, where the app clears what it kept.
   */
  userClaimed(serviceToken: string, userId: string, claimedAtMs: number) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.syncUsers, () => {
      parsed(UserId, userId, "userId");
      parsed(Timestamp, claimedAtMs, "claimedAtMs");
      return Promise.resolve({ deleted: 0 });
    });
  }

  /** Published events are Tether's sessions' (`POST /api/events`); an Agents app takes none. */
  publishEvent(_serviceToken: string, _event: PublishEvent): Promise<RpcResult<{ event_id: string; sessions: number }>> {
    return Promise.resolve({ ok: false, error: { code: "not_found", message: "This Worker takes no published events." } });
  }
}
