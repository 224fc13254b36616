import { errorKind } from "../shared/request-log.js";
import { WorkerEntrypoint } from "cloudflare:workers";
import * as z from "zod";
import { appDatabase } from "../../workers/app-data/db/client.js";
import { deleteUserDataBefore, upsertUser } from "../../workers/app-data/users.js";
import { ApiError } from "../shared/errors.js";
import {
  MAX_SESSIONS_PER_REVOKE_CALL,
  PublicUserSchema,
  type PublicUser,
  type PublishEvent,
  type RpcResult,
  type SessionControlApi,
  SESSION_REVOCATION_REASONS,
  type SessionRevocationReason,
} from "../shared/rpc.js";
import { AUTH_SERVICE_ID, SERVICE_PERMISSIONS, type ServicePermission } from "../shared/tokens.js";
import type { SessionSetup } from "../../durable-objects/session-setup.js";
import type { BackendBindings } from "./config.js";
import { publishEvent, verifyPublisher } from "./event-publish.js";
import { verifyServiceCaller } from "./service-callers.js";

// Arguments cross the binding untyped at run time: each is checked like any other input (here and
// in the Agents SDK apps' entrypoint, agents/session-control.ts).
export const SessionId = z.string().min(1).max(64);
export const Reason = z.enum(SESSION_REVOCATION_REASONS);
export const SessionIds = z.array(SessionId).max(MAX_SESSIONS_PER_REVOKE_CALL);
export const UserId = z.string().min(1).max(64);
export const Timestamp = z.number().int().nonnegative();

/** A thrown typed error becomes a failure value (its code survives the binding); anything else `internal_error`. */
export async function asResult<T>(work: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
    console.error("SessionControl failed", errorKind(error));
    return { ok: false, error: { code: "internal_error", message: "The backend could not apply the change." } };
  }
}

export function parsed<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError("invalid_request", `${name} is not valid.`);
  return result.data;
}

/**
 * The auth Worker's way in (session sync): revocations and user updates pushed to live sockets.
 * Every call must carry a service token minted by the auth Worker itself — its subject, not the
 * free-text service name — addressed to us, holding the permission the method needs; the binding
 * is private, but a leaked binding must not be able to close anyone's session.
 */
/** Closes one session's live connections, however a Worker holds them; how many it closed. */
export type SessionCloser = (sessionId: string, reason: SessionRevocationReason) => Promise<number>;

/** `revokeSession`'s work over `close`: the arguments checked as any input, the count closed. */
export async function revokeOne(close: SessionCloser, sessionId: unknown, reason: unknown): Promise<{ closed: number }> {
  return { closed: await close(parsed(SessionId, sessionId, "sessionId"), parsed(Reason, reason, "reason")) };
}

/**
 * `revokeUser`'s: one page of at most MAX_SESSIONS_PER_REVOKE_CALL of a user's sessions, each closed
 * by `close`. The auth Worker pages through any number of them, and a longer list is refused whole
 * rather than cut short.
 */
export async function revokePage(close: SessionCloser, sessionIds: unknown, reason: unknown): Promise<{ closed: number }> {
  const ids = parsed(SessionIds, sessionIds, `sessionIds (at most ${MAX_SESSIONS_PER_REVOKE_CALL})`);
  const why = parsed(Reason, reason, "reason");
  const closed = await Promise.all(ids.map((id) => close(id, why)));
  return { closed: closed.reduce((sum, count) => sum + count, 0) };
}

export class SessionControl extends WorkerEntrypoint<BackendBindings> implements SessionControlApi {
  /** An app's class is this one bound to its setup (`tether()` in tether.ts). */
  constructor(
    ctx: ExecutionContext,
    env: BackendBindings,
    private readonly setup: SessionSetup,
  ) {
    super(ctx, env);
  }

  /** Session sync: only the auth Worker's own token (`sub: "auth"`) holding `permission`. */
  private fromAuth<T>(serviceToken: unknown, permission: ServicePermission, work: () => Promise<T>): Promise<RpcResult<T>> {
    return asResult(async () => {
      await verifyServiceCaller(this.env, this.setup.settings, serviceToken, { permission, subject: AUTH_SERVICE_ID });
      return work();
    });
  }

  private sessionObject(sessionId: string) {
    return this.env.USER_SESSION.get(this.env.USER_SESSION.idFromName(sessionId));
  }

  private readonly closeSession: SessionCloser = (sessionId, reason) => this.sessionObject(sessionId).revoke(reason);

  revokeSession(serviceToken: string, sessionId: string, reason: SessionRevocationReason) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.revokeSessions, () => revokeOne(this.closeSession, sessionId, reason));
  }

  /** A user's sessions, a page at a time (`revokePage`). */
  revokeUser(serviceToken: string, _userId: string, sessionIds: string[], reason: SessionRevocationReason) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.revokeSessions, () => revokePage(this.closeSession, sessionIds, reason));
  }

  /** The user's new values: the mirror row, and every live socket of the named sessions. */
  userUpdated(serviceToken: string, user: PublicUser, sessionIds: string[]) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.syncUsers, async () => {
      const checked = parsed(PublicUserSchema, user, "user");
      const ids = parsed(SessionIds, sessionIds, `sessionIds (at most ${MAX_SESSIONS_PER_REVOKE_CALL})`);
      await upsertUser(
        appDatabase(this.env.APP_DB),
        { userId: checked.id, email: checked.email, name: checked.name, emailVerified: checked.email_verified },
        Date.now(),
      );
      const updated = await Promise.all(ids.map((id) => this.sessionObject(id).userUpdated(checked)));
      return { updated: updated.reduce((sum, count) => sum + count, 0) };
    });
  }

  /**
   * `POST /api/events` over the binding, for a Worker bound to the backend (docs/notifications.md):
   * any service token addressed to the backend with `events:publish`, not only the auth Worker's.
   * A rate limit answers `rate_limited` (try again after the limiter's period, 60 s).
   */
  publishEvent(serviceToken: string, event: PublishEvent) {
    return asResult(async () => {
      const publisher = await verifyPublisher(this.env, this.setup, serviceToken);
      return publishEvent(this.env, this.setup, publisher, event);
    });
  }

  /** An account claimed by the address's owner starts clean (docs/protocol.md): the registrant's data goes. */
  userClaimed(serviceToken: string, userId: string, claimedAtMs: number) {
    return this.fromAuth(serviceToken, SERVICE_PERMISSIONS.syncUsers, async () => ({
      deleted: await deleteUserDataBefore(
        appDatabase(this.env.APP_DB),
        parsed(UserId, userId, "userId"),
        parsed(Timestamp, claimedAtMs, "claimedAtMs"),
      ),
    }));
  }
}
