/**
 * @module
 * Who is calling an Agent behind Tether's guard: the verified claims the guard forwards to the
 * Agent in one header, and the user the Agent reads from them (`tetherUser`). Only the app's own
 * Worker reaches its Durable Objects, and the guard overwrites this header on every request it
 * forwards, so an Agent may trust it.
 */
import * as z from "zod";
import type { AccessClaims, TokenSubject } from "../../shared/tokens.js";

/** The header the guard sets (after deleting any the client sent) on every request it forwards. */
export const TETHER_CALLER_HEADER = "X-Tether-Agent-Caller";

/** Far above what the claims below take; a header past it is not ours. */
const MAX_CALLER_HEADER_CHARS = 8192;

export const TetherCallerSchema = z.object({
  sub: z.string().min(1).max(64),
  sid: z.string().min(1).max(64),
  email: z.string().max(320),
  name: z.string().max(256),
  email_verified: z.boolean(),
  permissions: z.array(z.string().max(64)).max(64),
  exp: z.number().int(),
  amr: z.array(z.string().max(16)).max(8).optional(),
  auth_time: z.number().int().optional(),
});
export type TetherCaller = z.infer<typeof TetherCallerSchema>;

/** The caller as an Agent sees it: the token's subject, and how and when the user signed in when the token says. */
export interface TetherUser extends TokenSubject {
  /** How the user signed in (`["pwd"]`, `["passkey"]`, `["pwd","otp"]`…), when the token carries it. */
  amr?: string[];
  /** When the user signed in, in epoch seconds, when the token carries it. */
  authTime?: number;
}

/** What of validated access-token claims goes to the Agent: never the token itself. */
export function callerOf(claims: AccessClaims): TetherCaller {
  return {
    sub: claims.sub,
    sid: claims.sid,
    email: claims.email,
    name: claims.name,
    email_verified: claims.email_verified,
    permissions: claims.permissions,
    exp: claims.exp,
    ...(claims.amr ? { amr: claims.amr } : {}),
    ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
  };
}

/** The caller the guard forwarded with `request`, or null (a request that did not come through it). */
export function readTetherCaller(request: Request): TetherCaller | null {
  const header = request.headers.get(TETHER_CALLER_HEADER);
  if (header === null || header.length > MAX_CALLER_HEADER_CHARS) return null;
  try {
    const parsed = TetherCallerSchema.safeParse(JSON.parse(header));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function toTetherUser(caller: TetherCaller): TetherUser {
  return {
    userId: caller.sub,
    sessionId: caller.sid,
    email: caller.email,
    name: caller.name,
    emailVerified: caller.email_verified,
    permissions: caller.permissions,
    ...(caller.amr ? { amr: caller.amr } : {}),
    ...(caller.auth_time !== undefined ? { authTime: caller.auth_time } : {}),
  };
}
