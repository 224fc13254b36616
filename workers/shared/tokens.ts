import { z } from "zod";

/**
 * Token claims as DESIGN.md section 2 states them. The kinds never overlap: distinct
 * `token_type`, audience and signing key, so one kind is never accepted as another.
 */

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
  permissions: z.array(z.string()),
});
export type AccessClaims = z.infer<typeof AccessClaimsSchema>;

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

export const SERVICE_TOKEN_TTL_SECONDS = 300;
/** Callers reuse a service token until this close to its expiry, then mint a new one. */
export const SERVICE_TOKEN_RENEW_BEFORE_SECONDS = 30;

/** Why a token was refused, as the error code a caller sees. */
export type TokenFailureCode = "invalid_token" | "token_expired" | "token_revoked";
