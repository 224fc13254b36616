/**
 * @module
 * RPC answers are checked at the caller's boundary, like any input: a binding is typed, but what
 * comes over it is a value from another Worker, and a buggy or compromised one must not be able
 * to hand over claims of its own making. Anything that is not a well-formed result becomes an
 * `internal_error` failure — which the circuit breaker counts as auth failing.
 */
import * as z from "zod";
import { ERROR_STATUS, type ErrorCode } from "./errors.js";
import type { RpcResult } from "./rpc.js";

const RpcErrorSchema = z.object({
  code: z.string().refine((code): code is ErrorCode => code in ERROR_STATUS),
  message: z.string().max(2000),
});

const UNEXPECTED: RpcResult<never> = {
  ok: false,
  error: { code: "internal_error", message: "The other Worker answered something unexpected." },
};

export function checkedResult<T>(answer: unknown, value: z.ZodType<T>): RpcResult<T> {
  if (typeof answer !== "object" || answer === null || !("ok" in answer)) return UNEXPECTED;
  if (answer.ok === true && "value" in answer) {
    const parsed = value.safeParse(answer.value);
    return parsed.success ? { ok: true, value: parsed.data } : UNEXPECTED;
  }
  if (answer.ok === false && "error" in answer) {
    const parsed = RpcErrorSchema.safeParse(answer.error);
    return parsed.success ? { ok: false, error: { code: parsed.data.code as ErrorCode, message: parsed.data.message } } : UNEXPECTED;
  }
  return UNEXPECTED;
}
