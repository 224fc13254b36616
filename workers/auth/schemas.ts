/**
 * @module
 * Request bodies of the auth routes. Strict objects: an unknown field is an error, not ignored.
 * Every string is bounded; names are stored exactly as sent, emails in NFKC (users.ts).
 */
import { z } from "zod";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
const MAX_TOKEN_LENGTH = 8192;

/**
 * Control and format characters (NUL, zero-width spaces, right-to-left overrides…) make addresses
 * that look like others: refused wherever an email comes in (DESIGN §6).
 */
const INVISIBLE = /\p{C}/u;
const NO_INVISIBLE = "must not contain control or invisible characters";

// Unicode local parts and domains are fine; a domain without a dot is almost always a typo.
const email = z
  .string()
  .max(254)
  .refine((value) => !INVISIBLE.test(value), NO_INVISIBLE)
  .pipe(z.email({ pattern: z.regexes.unicodeEmail, error: "must be a valid email address" }))
  .refine((value) => /@[^@.]+(\.[^@.]+)+$/u.test(value), "must be a valid email address");
/** An email to look up (sign-in, reset): any text of an email's length, nothing invisible. */
const lookupEmail = z
  .string()
  .min(1)
  .max(254)
  .refine((value) => !INVISIBLE.test(value), NO_INVISIBLE);
const name = z
  .string()
  .min(1)
  .max(100)
  .refine((value) => value.trim().length > 0, "must not be blank");
const password = z.string().max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
const opaqueToken = z.string().min(1).max(MAX_TOKEN_LENGTH);

export const RegisterBody = z.strictObject({ email, password, name });
export const LoginBody = z.strictObject({ email: lookupEmail, password });
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
export const PasswordResetRequestBody = z.strictObject({ email: lookupEmail });
export const PasswordResetBody = z.strictObject({ token: mailedToken, password });
export const DevMailboxQuery = z.strictObject({ email: lookupEmail });
