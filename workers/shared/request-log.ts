import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { requestId } from "hono/request-id";

/**
 * Structured logs (docs/architecture.md, Environments): one JSON line per request and per socket lifecycle
 * event, which Workers Logs indexes field by field. The fields are chosen here, never copied from
 * input: a log line carries ids, route patterns, statuses and durations — never a token, a
 * password, a secret, a header or a body.
 */
export type LogValue = string | number | boolean | null | readonly string[];
export type LogFields = Record<string, LogValue | undefined>;

export function logEvent(level: "info" | "warn" | "error", event: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  // eslint-disable-next-line no-console -- this is the one place that writes info logs.
  else console.log(line);
}

/**
 * What a log line may say about an error: its class's name (`TypeError`, `D1_ERROR`…), never its
 * message, which may quote input — a conversation, an address, a token.
 */
export function errorKind(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Carried from the backend to the auth Worker when a request is forwarded, so both log one id. */
export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * The request id (hono's request-id middleware): the caller's `X-Request-Id` when it is a plausible
 * one — at most 64 word characters, `-` and `=`, so arbitrary text is never echoed — else a new
 * UUID; set on the context and sent back on the answer.
 */
export const requestIds = () => requestId({ headerName: REQUEST_ID_HEADER, limitLength: 64 });

/**
 * Logs every request once it is answered: request id (from `requestIds`, before it), method,
 * the matched route pattern (`/api/threads/:id/messages`, so no ids or query strings), status,
 * duration, and the user when the route authenticated one (`userIdOf`).
 */
export function requestLog<E extends { Variables: { requestId: string } }>(
  service: string,
  userIdOf: (c: Context<E>) => string | undefined,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const startedAt = Date.now();
    await next();
    const status = c.res.status;
    logEvent(status >= 500 ? "error" : "info", "request", {
      service,
      request_id: c.var.requestId,
      method: c.req.method,
      route: routePath(c, -1),
      status,
      duration_ms: Date.now() - startedAt,
      user_id: userIdOf(c),
    });
  };
}

/**
 * A deployment that lacks what it needs (signing keys, a service secret) says so at `/health` and
 * in one log line per isolate, not in every request's failure.
 */
const reportedProblems = new WeakSet<object>();

export function reportConfigProblemsOnce(env: object, service: string, problems: readonly string[]): void {
  if (problems.length === 0 || reportedProblems.has(env)) return;
  reportedProblems.add(env);
  logEvent("error", "config_problems", { service, problems });
}
