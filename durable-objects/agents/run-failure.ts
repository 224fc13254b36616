/**
 * @module
 * What a failed run says about its cause — to the log and to the client — without its message,
 * which may quote the conversation: the error's class; for a model API error (the AI SDK's
 * `APICallError`, also inside the `RetryError` the SDK throws once its retries are spent) the
 * HTTP status and whether trying again can help. A 401 (a wrong key) and a 429 (a rate limit)
 * read differently in the log, and only a cause that may pass is `retryable` to the client.
 */
import { APICallError, RetryError } from "ai";
import { errorKind } from "../../workers/shared/request-log.js";

export interface RunFailure {
  /** The error's class: `AI_APICallError`, `TypeError`… */
  kind: string;
  /** The model API's HTTP status, when the cause is an API call that got an answer. */
  status?: number;
  /** Whether the same message may succeed later (a 429, a 5xx, a network failure); false when unknown. */
  retryable: boolean;
}

export function runFailure(error: unknown): RunFailure {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(cause)) {
    return { kind: cause.name, ...(cause.statusCode === undefined ? {} : { status: cause.statusCode }), retryable: cause.isRetryable };
  }
  return { kind: errorKind(cause), retryable: false };
}
