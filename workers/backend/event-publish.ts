/**
 * @module
 * Server-sent notifications (docs/notifications.md): a service tells a user something, and every
 * live session of that user gets one sequenced `notification {name, data}` event, kept in its
 * resume log like any other. One path for `POST /api/events` (api/events.ts), the RPC method
 * `SessionControl.publishEvent` and an app's own code (`tether().publishEvent`): the event is
 * checked, the publisher and the user are held to their rate limits, the auth Worker names the
 * user's live sessions, and each session's object publishes the event on its stream.
 */
import * as z from "zod";
import type { SessionSetup } from "../../durable-objects/session-setup.js";
import { appDatabase } from "../../workers/app-data/db/client.js";
import { findOwnThread } from "../../workers/app-data/threads.js";
import { ApiError } from "../shared/errors.js";
import { errorKind, logEvent } from "../shared/request-log.js";
import type { PublishEvent, PublishEventResult } from "../shared/rpc.js";
import { SERVICE_PERMISSIONS } from "../shared/tokens.js";
import type { BackendBindings } from "./config.js";
import { authGateway } from "./gateway.js";
import { verifyServiceCaller } from "./service-callers.js";

/** `data` serialized as JSON is at most this many bytes (UTF-8): a notification frame stays far below 64 KiB. */
export const MAX_EVENT_DATA_BYTES = 16 * 1024;
/** A whole `POST /api/events` body: the largest `data` plus the other fields and some whitespace. */
export const MAX_EVENT_BODY_BYTES = 24 * 1024;
export const EVENT_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
/**
 * The most live sessions one publish reaches: MAX_SESSIONS_PER_USER's ceiling. The auth Worker
 * pages them (MAX_SESSION_IDS_PER_PAGE); a user cannot hold more, so nothing past it is dropped.
 */
export const MAX_SESSIONS_PER_EVENT = 10_000;
/** The rate-limit bindings count per 60 s window (wrangler.jsonc); a refused publish may retry after it. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

const PublishEventSchema = z.strictObject({
  user_id: z.string().min(1).max(64),
  name: z.string().regex(EVENT_NAME_PATTERN, "must match ^[a-z][a-z0-9_.-]{0,63}$"),
  // Checked as JSON after its size (readEvent): a huge value is refused before it is walked.
  data: z.unknown(),
  thread_id: z.string().min(1).max(64).optional(),
});

/** Who publishes: the key its rate limit counts under, and a name for the log. */
export interface EventPublisher {
  rateLimitKey: string;
  name: string;
}

function validationFailed(error: z.ZodError): ApiError {
  return new ApiError("validation_failed", error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "));
}

/** The event as published: 400 `validation_failed` for a bad field, 413 `payload_too_large` for `data` over 16 KiB. */
export function readEvent(input: unknown): PublishEvent {
  const event = PublishEventSchema.safeParse(input);
  if (!event.success) throw validationFailed(event.error);
  let text: string | undefined;
  try {
    text = JSON.stringify(event.data.data);
  } catch {
    // A value that cannot be written as JSON (a cycle, a BigInt): over RPC anything structured-clonable arrives.
  }
  if (text === undefined) throw new ApiError("validation_failed", "data: required, any JSON value.");
  if (new TextEncoder().encode(text).byteLength > MAX_EVENT_DATA_BYTES) {
    throw new ApiError("payload_too_large", `data is larger than ${MAX_EVENT_DATA_BYTES} bytes as JSON.`);
  }
  const data = z.json().safeParse(event.data.data);
  if (!data.success)
    throw new ApiError("validation_failed", "data: must be plain JSON (objects, arrays, strings, numbers, booleans, null).");
  const { user_id, name, thread_id } = event.data;
  return { user_id, name, data: data.data, ...(thread_id === undefined ? {} : { thread_id }) };
}

/**
 * The caller of `POST /api/events` or `publishEvent`: a service token addressed to the backend
 * holding `events:publish`, from any registered service. A user's access token is refused with
 * 403 (it is somebody, just not a publisher) rather than the 401 of a token that is no one's.
 */
export async function verifyPublisher(env: BackendBindings, setup: SessionSetup, token: unknown): Promise<EventPublisher> {
  try {
    const claims = await verifyServiceCaller(env, setup.settings, token, { permission: SERVICE_PERMISSIONS.publishEvents, public: true });
    return { rateLimitKey: `service:${claims.sub}`, name: claims.sub };
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_service" && typeof token === "string") {
      const asUser = await authGateway(env, setup.settings).validate(token);
      if (asUser.ok)
        throw new ApiError("permission_denied", "A user's token cannot publish events: use a service token with events:publish.");
    }
    throw error;
  }
}

/** One count against `limiter`; past its limit, 429 with Retry-After. */
async function countAgainst(limiter: RateLimit, key: string, who: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ApiError("rate_limited", `Too many events ${who}; try again later.`, { "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS) });
  }
}

/** Every live session of the user, as the auth Worker names them (paged), at most MAX_SESSIONS_PER_EVENT. */
async function liveSessions(env: BackendBindings, setup: SessionSetup, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const answer = await authGateway(env, setup.settings).liveSessionIds(userId, after);
    if (!answer.ok) {
      logEvent("warn", "event_sessions_unavailable", { code: answer.code });
      throw new ApiError("auth_unavailable", "The auth service could not name the user's sessions.", {
        "Retry-After": String(answer.retryAfterSeconds),
      });
    }
    ids.push(...answer.page.session_ids);
    after = answer.page.next_after;
  } while (after !== null && ids.length < MAX_SESSIONS_PER_EVENT);
  return ids.slice(0, MAX_SESSIONS_PER_EVENT);
}

/** One session's object publishes the event; a failure there costs that session only (counted 0, logged). */
async function notifySession(env: BackendBindings, sessionId: string, event: PublishEvent, eventId: string): Promise<number> {
  try {
    return await env.USER_SESSION.get(env.USER_SESSION.idFromName(sessionId)).notify(event.name, event.data, eventId, event.thread_id);
  } catch (error) {
    logEvent("error", "notification_not_delivered", { event_id: eventId, session_id: sessionId, error: errorKind(error) });
    return 0;
  }
}

/** Sessions told at once: a page of the auth Worker's answer. */
const FAN_OUT_BATCH = 100;

/**
 * Publishes `input` for `publisher`: 202's `{event_id, sessions}`, or a typed ApiError (400, 403,
 * 413, 429, 503). The sessions are named before any is told, so a failure of auth leaves no
 * session told and a retry is not a duplicate.
 */
export async function publishEvent(
  env: BackendBindings,
  setup: SessionSetup,
  publisher: EventPublisher,
  input: unknown,
): Promise<PublishEventResult> {
  const event = readEvent(input);
  const publisherLimit = env.EVENTS_PUBLISHER_RATE_LIMITER;
  const userLimit = env.EVENTS_USER_RATE_LIMITER;
  // A deployment whose config lacks the limiters takes no events rather than unlimited ones.
  if (!publisherLimit || !userLimit) {
    throw new ApiError("forbidden", "This deployment takes no events: its config lacks the events rate-limit bindings.");
  }
  await countAgainst(publisherLimit, publisher.rateLimitKey, "from this publisher");
  await countAgainst(userLimit, event.user_id, "for this user");
  if (event.thread_id !== undefined && !(await findOwnThread(appDatabase(env.APP_DB), event.user_id, event.thread_id))) {
    throw new ApiError("validation_failed", "thread_id: not a thread of this user.");
  }
  const sessionIds = await liveSessions(env, setup, event.user_id);
  const eventId = crypto.randomUUID();
  let sessions = 0;
  for (let start = 0; start < sessionIds.length; start += FAN_OUT_BATCH) {
    const told = await Promise.all(sessionIds.slice(start, start + FAN_OUT_BATCH).map((id) => notifySession(env, id, event, eventId)));
    sessions += told.reduce((sum, count) => sum + count, 0);
  }
  logEvent("info", "event_published", { event_id: eventId, publisher: publisher.name, user_id: event.user_id, name: event.name, sessions });
  return { event_id: eventId, sessions };
}
