import type { Context, Env, ErrorHandler, MiddlewareHandler, NotFoundHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { ApiError, type ErrorCode } from "./errors.js";

/**
 * HTTP plumbing both Workers share: one error shape, bounded JSON bodies validated before use.
 */

/** Builds every error response, so the shape and the status cannot drift apart. */
export function errorResponse(error: ApiError): Response {
  return Response.json(error.toJSON(), {
    status: error.status,
    headers: { "Cache-Control": "no-store", ...error.headers },
  });
}

function codeForHttpStatus(status: number): ErrorCode {
  if (status === 404) return "not_found";
  if (status === 405) return "method_not_allowed";
  if (status === 413) return "payload_too_large";
  if (status === 401) return "invalid_token";
  if (status === 403) return "forbidden";
  if (status >= 400 && status < 500) return "invalid_request";
  return "internal_error";
}

export const onError: ErrorHandler = (error) => {
  if (error instanceof ApiError) return errorResponse(error);
  if (error instanceof HTTPException) {
    return errorResponse(new ApiError(codeForHttpStatus(error.status), error.message || "Request failed."));
  }
  // Unexpected: log the kind of failure only; messages may quote input, and input may hold secrets.
  console.error("unhandled error", error instanceof Error ? error.name : typeof error);
  return errorResponse(new ApiError("internal_error", "Something went wrong on our side."));
};

export const onNotFound: NotFoundHandler = (c) =>
  errorResponse(new ApiError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));

/** Refuses bodies over `maxBytes` with 413 before they are read into memory. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
    },
  });
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Validates a JSON body with `schema`: 415 for another content type, 400 `invalid_json` for text
 * that does not parse, 400 `validation_failed` naming each bad field. Handlers get typed data
 * from `c.req.valid("json")`.
 */
export function jsonBody<Schema extends z.ZodType>(
  schema: Schema,
): MiddlewareHandler<Env, string, { in: { json: z.input<Schema> }; out: { json: z.output<Schema> } }> {
  return async (c, next) => {
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim() ?? "";
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError("unsupported_media_type", "Send the body as application/json.");
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new ApiError("invalid_json", "The request body is not valid JSON.");
    }
    const result = schema.safeParse(body);
    if (!result.success) {
      const details = result.error.issues
        .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
        .join("; ");
      throw new ApiError("validation_failed", details);
    }
    c.req.addValidatedData("json", result.data as object);
    await next();
  };
}

/** The bearer token of the Authorization header, or null. Never read from the query string. */
export function bearerToken(c: Context): string | null {
  const header = c.req.header("Authorization");
  const match = header?.match(/^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/);
  return match?.[1] ?? null;
}
