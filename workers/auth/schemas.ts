/**
 * @module
 * Request bodies of the auth routes. Strict objects: an unknown field is an error, not ignored.
 * Every string is bounded; emails and names are stored exactly as sent.
 */
import { z } from "zod";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
const MAX_TOKEN_LENGTH = 8192;

// Unicode local parts and domains are fine; a domain without a dot is almost always a typo.
const email = z
  .email({ pattern: z.regexes.unicodeEmail, error: "must be a valid email address" })
  .max(254)
  .refine((value) => /@[^@.]+(\.[^@.]+)+$/u.test(value), "must be a valid email address");
const name = z
  .string()
  .min(1)
  .max(100)
  .refine((value) => value.trim().length > 0, "must not be blank");
const password = z.string().max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
const opaqueToken = z.string().min(1).max(MAX_TOKEN_LENGTH);

export const RegisterBody = z.strictObject({ email, password, name });
export const LoginBody = z.strictObject({ email: z.string().min(1).max(254), password });
export const DevLoginBody = z.strictObject({ email, name: name.optional() });
export const RefreshBody = z.strictObject({ refresh_token: opaqueToken });
export const ServiceTokenBody = z.strictObject({
  service_id: z.string().min(1).max(128),
  service_secret: z.string().min(1).max(256),
  permissions: z.array(z.string().min(1).max(64)).max(32).optional(),
});
export const ValidateBody = z.strictObject({ token: opaqueToken });

const mailedToken = z.string().min(1).max(128);
export const VerifyEmailBody = z.strictObject({ token: mailedToken });
export const PasswordResetRequestBody = z.strictObject({ email: z.string().min(1).max(254) });
export const PasswordResetBody = z.strictObject({ token: mailedToken, password });
export const DevMailboxQuery = z.strictObject({ email: z.string().min(1).max(254) });
