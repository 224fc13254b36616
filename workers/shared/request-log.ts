import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

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
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/** The caller's request id if it is a plausible one (never echo arbitrary text), else a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get(REQUEST_ID_HEADER);
  return given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/**
 * Logs every request once it is answered: request id (also sent back as `X-Request-Id`), method,
 * the matched route pattern (`/api/threads/:id/messages`, so no ids or query strings), status,
 * duration, and the user when the route authenticated one (`userIdOf`).
 */
export function requestLog<E extends { Variables: { requestId: string } }>(
  service: string,
  userIdOf: (c: Context<E>) => string | undefined,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const startedAt = Date.now();
    const requestId = requestIdOf(c.req.raw);
    c.set("requestId", requestId);
    await next();
    c.header(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    logEvent(status >= 500 ? "error" : "info", "request", {
      service,
      request_id: requestId,
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
