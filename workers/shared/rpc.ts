/**
 * @module
 * The RPC contracts between the Workers (docs/architecture.md). Every method but
 * `issueServiceToken` takes the caller's service token first and verifies it before anything else.
 * Failures are values, not exceptions, so they keep their typed code across the binding.
 */
import type { JSONWebKeySet } from "jose";
import type { PublicUser } from "@tether/protocol";
import * as z from "zod";
import type { ErrorCode } from "./errors.js";
import { ACCESS_TOKEN_MAX_AGE_SECONDS, type AccessClaims } from "./tokens.js";

export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: RpcError };
export interface RpcError {
  code: ErrorCode;
  message: string;
}

// Each value that crosses a binding has a schema, and its type is the schema's: the caller checks
// every answer against it (rpc-results.ts), so the two cannot drift apart.

export const ServiceTokenGrantSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal("Bearer"),
  expires_in: z.number(),
  service_name: z.string(),
});
export type ServiceTokenGrant = z.infer<typeof ServiceTokenGrantSchema>;

/** The user as the auth Worker tells other services about it (`PublicUser` of @tether/protocol). */
export const PublicUserSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string(),
  email_verified: z.boolean(),
  permissions: z.array(z.string()),
  created_at: z.string(),
  disabled: z.boolean(),
}) satisfies z.ZodType<PublicUser>;
export type { PublicUser };

const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
/** Checked for shape only: the keys themselves are checked by jose when used. */
export const SigningKeySetsSchema = z.object({ access: JwksSchema, service: JwksSchema }) as z.ZodType<SigningKeySets>;
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
  /**
   * The user's live sessions (not revoked, not expired), in pages of at most
   * MAX_SESSION_IDS_PER_PAGE ordered by id: pass the page's `next_after` to get the next one
   * (`null` on the last). Needs `users:read`. An unknown user has none.
   */
  liveSessionIds(serviceToken: string, userId: string, after: string | null): Promise<RpcResult<LiveSessionPage>>;
}

/** A page of `liveSessionIds` is at most this long; a user can hold up to MAX_SESSIONS_PER_USER (≤ 10,000). */
export const MAX_SESSION_IDS_PER_PAGE = 100;

export const LiveSessionPageSchema = z.object({
  session_ids: z.array(z.string().min(1).max(64)).max(MAX_SESSION_IDS_PER_PAGE),
  next_after: z.string().min(1).max(64).nullable(),
});
export type LiveSessionPage = z.infer<typeof LiveSessionPageSchema>;

/**
 * Why a session ended: a sign-out (of this session, or all of them), refresh-token reuse, a
 * disabled user, a password reset, or the address's owner claiming an account registered by
 * someone who never proved it (a provider sign-in with the verified address).
 */
export const SESSION_REVOCATION_REASONS = [
  "logout",
  "logout_all",
  "refresh_token_reuse",
  "user_disabled",
  "password_reset",
  "account_claimed",
  // A sign-in past MAX_SESSIONS_PER_USER ended the user's oldest sessions (workers/auth/session-limit.ts).
  "session_limit",
] as const;
export type SessionRevocationReason = (typeof SESSION_REVOCATION_REASONS)[number];

/**
 * The most session ids one `revokeUser` call carries: the auth Worker pages a user's sessions in
 * calls of at most this many, and the backend refuses a longer list rather than cutting it short.
 */
export const MAX_SESSIONS_PER_REVOKE_CALL = 100;

/**
 * Session sync retries an undelivered row on every run of the auth Worker's cron (every minute,
 * workers/auth/wrangler.jsonc) and gives up after this many failed deliveries.
 */
export const SESSION_SYNC_MAX_ATTEMPTS = 100;
export const SESSION_SYNC_CRON_INTERVAL_MS = 60_000;
/**
 * How late a revocation's push may still arrive: a session object keeps its revoked marker at
 * least the access-token lifetime plus this, since it, not auth, refuses a revoked session's
 * connects (durable-objects/session-retention.ts).
 */
export const SESSION_SYNC_RETRY_WINDOW_MS = SESSION_SYNC_MAX_ATTEMPTS * SESSION_SYNC_CRON_INTERVAL_MS;
/** How long whatever refuses a revoked session's connects keeps its marker: past every token of it and any late push. */
export const REVOKED_MARKER_RETENTION_MS = ACCESS_TOKEN_MAX_AGE_SECONDS * 1000 + SESSION_SYNC_RETRY_WINDOW_MS;

/**
 * auth → backend (session sync). The auth Worker owns sessions, so it names the ones it revoked:
 * `revokeUser` carries the user's session ids rather than the backend keeping an index of them.
 * Results count the sockets closed.
 */
export interface SessionControlApi {
  /**
   * `userId` is the session's user: Tether's backend finds a session's object by its id alone, an
   * Agents SDK app's guard keeps its records per user (agents-sdk/session-directory.ts).
   */
  revokeSession(
    serviceToken: string,
    sessionId: string,
    reason: SessionRevocationReason,
    userId: string,
  ): Promise<RpcResult<{ closed: number }>>;
  revokeUser(
    serviceToken: string,
    userId: string,
    sessionIds: string[],
    reason: SessionRevocationReason,
  ): Promise<RpcResult<{ closed: number }>>;
  /**
   * The user's email, name, verified flag or permissions changed: the mirror row is updated and
   * the live sockets of `sessionIds` (a page of at most MAX_SESSIONS_PER_REVOKE_CALL, like
   * `revokeUser`) take the new values. Counts the sockets updated.
   */
  userUpdated(serviceToken: string, user: PublicUser, sessionIds: string[]): Promise<RpcResult<{ updated: number }>>;
  /**
   * The address's owner claimed an account an unverified registrant made (docs/protocol.md): the
   * backend deletes that user's app data (threads, messages, runs) made before `claimedAtMs`, so no
   * planted history reaches the owner's agent. Counts the threads deleted.
   */
  userClaimed(serviceToken: string, userId: string, claimedAtMs: number): Promise<RpcResult<{ deleted: number }>>;
  /**
   * `POST /api/events` for a Worker bound to the backend (docs/notifications.md): any service token
   * addressed to the backend that holds `events:publish`, not only the auth Worker's. Every live
   * session of `event.user_id` gets one sequenced `notification` event; `sessions` counts them.
   */
  publishEvent(serviceToken: string, event: PublishEvent): Promise<RpcResult<PublishEventResult>>;
}

/** What a service publishes for a user: the body of `POST /api/events`, checked by the backend (event-publish.ts). */
export interface PublishEvent {
  user_id: string;
  /** `^[a-z][a-z0-9_.-]{0,63}$`, e.g. `report.ready`. */
  name: string;
  /** Any JSON, at most 16 KiB serialized; the client gets it as the notification's `data`. */
  data: unknown;
  /** One of the user's threads: the frame's envelope carries it as `thread_id`. */
  thread_id?: string;
}

export interface PublishEventResult {
  /** Identifies this publish in the backend's logs (each session's frame has an `event_id` of its own). */
  event_id: string;
  /** How many sessions got the notification (0 for an unknown user, or one with no live session). */
  sessions: number;
}
