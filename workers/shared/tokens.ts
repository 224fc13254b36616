/**
 * @module
 * Token claims as docs/protocol.md, Tokens states them. The kinds never overlap: distinct
 * `token_type`, audience and signing key, so one kind is never accepted as another.
 */
import type { JWTVerifyOptions } from "jose";
import * as z from "zod";

/** Only asymmetric ES256 is accepted; `none` and HMAC algorithms are refused by construction. */
export const TOKEN_ALGORITHM = "ES256";

export const AccessClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  sid: z.string().min(1),
  exp: z.number().int(),
  iat: z.number().int(),
  jti: z.string().min(1),
  token_type: z.literal("access"),
  email: z.string(),
  name: z.string(),
  /** Whether the user has proved the address (a token minted before this claim existed: false). */
  email_verified: z.boolean().default(false),
  permissions: z.array(z.string()),
  /**
   * How the user signed in (RFC 8176 style): `["pwd"]`, `["pwd","otp"]`, `["passkey"]`, `["oidc"]`…
   * and when, in seconds; both kept as they were across refreshes. Absent in tokens from before them.
   */
  amr: z.array(z.string().max(16)).max(8).optional(),
  auth_time: z.number().int().optional(),
});
export type AccessClaims = z.infer<typeof AccessClaimsSchema>;

/**
 * Who an access token speaks for, in the code's names: what the auth Worker signs into one
 * (`sub`, `sid`, `email`, `name`, `email_verified`, `permissions`) and what a session object keeps
 * of it per socket.
 */
export interface TokenSubject {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  /** The token's `email_verified`: whether the user has proved the address. */
  emailVerified: boolean;
  /** The token's user permissions (`threads:read`, `threads:write`, `agents:run`): what its frames may do. */
  permissions: string[];
}

export const ServiceClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  service: z.string().min(1),
  exp: z.number().int(),
  iat: z.number().int(),
  jti: z.string().min(1),
  token_type: z.literal("service"),
  permissions: z.array(z.string()),
});
export type ServiceClaims = z.infer<typeof ServiceClaimsSchema>;

/** The service names double as the `aud` of service tokens addressed to each Worker. */
export const AUTH_SERVICE_NAME = "tether-auth";
export const BACKEND_SERVICE_NAME = "tether-backend";
/**
 * The `sub` of the service tokens the auth Worker mints for itself (session sync). Callees check
 * the subject, never the `service` name: names are free text, ids are not. No service client may
 * be registered under this id.
 */
export const AUTH_SERVICE_ID = "auth";

/**
 * What a service token may be used for (docs/protocol.md, Tokens); each RPC method and service route
 * names the one it needs.
 */
export const SERVICE_PERMISSIONS = {
  /** validateAccessToken, jwks, POST /auth/validate: the backend's everyday calls. */
  validateTokens: "tokens:validate",
  /** getUser, liveSessionIds (the backend's fan-out of a published event). */
  readUsers: "users:read",
  /** disableUser: operators and admin services, not the backend. */
  disableUsers: "users:disable",
  /** SessionControl.revokeSession / revokeUser: the auth Worker's session sync. */
  revokeSessions: "sessions:revoke",
  /** SessionControl.userUpdated. */
  syncUsers: "users:sync",
  /** POST /api/events and SessionControl.publishEvent: a service that tells users something (docs/notifications.md). */
  publishEvents: "events:publish",
} as const;
export type ServicePermission = (typeof SERVICE_PERMISSIONS)[keyof typeof SERVICE_PERMISSIONS];

/** What a user's access token may do on the backend; every user holds all three by default. */
export const USER_PERMISSIONS = {
  readThreads: "threads:read",
  writeThreads: "threads:write",
  runAgents: "agents:run",
} as const;
export type UserPermission = (typeof USER_PERMISSIONS)[keyof typeof USER_PERMISSIONS];

export const SERVICE_TOKEN_TTL_SECONDS = 300;
/** Callers reuse a service token until this close to its expiry, then mint a new one. */
export const SERVICE_TOKEN_RENEW_BEFORE_SECONDS = 30;

/** Why a token was refused, as the error code a caller sees. */
export type TokenFailureCode = "invalid_token" | "token_expired" | "token_revoked";

/**
 * The longest access token any check reads. Ours are well under 1 KiB; anything longer is refused
 * where it arrives — header or subprotocol — as `invalid_token`, without a call to auth.
 */
export const MAX_ACCESS_TOKEN_LENGTH = 4096;

/** Clock skew allowed between the isolates that mint and check a token. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** The oldest an access token may be, whatever its `exp` says (the longest TTL auth can be set to). */
export const ACCESS_TOKEN_MAX_AGE_SECONDS = 86_400;
export const SERVICE_TOKEN_MAX_AGE_SECONDS = SERVICE_TOKEN_TTL_SECONDS + 60;

/**
 * The jwtVerify options every token check uses: ES256 only (so `none` and HMAC are refused by
 * construction), `typ: JWT`, the expected issuer and audience, required claims, and a maximum age —
 * which also makes jose refuse an `iat` in the future, a token minted to outlive its checks.
 */
export function jwtVerifyOptions(expected: {
  issuer: string;
  audience: string;
  maxAgeSeconds: number;
  requiredClaims: string[];
  currentDate?: Date;
}): JWTVerifyOptions {
  return {
    algorithms: [TOKEN_ALGORITHM],
    typ: "JWT",
    issuer: expected.issuer,
    audience: expected.audience,
    requiredClaims: expected.requiredClaims,
    maxTokenAge: expected.maxAgeSeconds,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(expected.currentDate ? { currentDate: expected.currentDate } : {}),
  };
}

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A compact JWS in canonical form only: three unpadded base64url segments whose last characters
 * carry no stray bits. Decoders forgive the rest (padding, `+` and `/`, set unused bits), so one
 * signed token could otherwise be spelled several ways — each a different string to a cache or a
 * deny-list keyed on the token.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split(".");
  if (segments.length !== 3) return false;
  return segments.every((segment) => {
    if (!BASE64URL_SEGMENT.test(segment) || segment.length % 4 === 1) return false;
    // 2 or 3 characters left over carry 12 or 18 bits for 1 or 2 bytes: the rest must be zero.
    const unusedBits = { 0: 0, 2: 4, 3: 2 }[(segment.length % 4) as 0 | 2 | 3];
    const last = BASE64URL_ALPHABET.indexOf(segment.at(-1) ?? "A");
    return (last & ((1 << unusedBits) - 1)) === 0;
  });
}
