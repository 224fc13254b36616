/**
 * @module
 * Request bodies of the auth routes. Strict objects: an unknown field is an error, not ignored.
 * Every string is bounded; names are stored exactly as sent, emails trimmed and in NFC (email-address.ts).
 */
import * as z from "zod";
import { MAX_DEVICE_TOKEN_LENGTH } from "./tokens/device.js";
import { EMAIL_PROBLEM_MESSAGES, emailProblem } from "./email-address.js";

import { PASSWORD_MAX_LENGTH } from "./passwords.js";

const MAX_TOKEN_LENGTH = 8192;

/**
 * Every address, typed or looked up, passes the checks of its comparison key (docs/protocol.md,
 * email-address.ts): at most 254 characters, no control or format characters (NUL, zero-width
 * spaces, right-to-left overrides… make addresses that look like others), and a domain the URL
 * parser gives an A-label for. One message per address, naming the first problem.
 */
const keyedEmail = z.string().superRefine((value, ctx) => {
  const problem = emailProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: EMAIL_PROBLEM_MESSAGES[problem] });
});

/** An address to create an account with: the key's checks, and the shape of an email too. */
const email = keyedEmail.pipe(z.email({ pattern: z.regexes.unicodeEmail, error: EMAIL_PROBLEM_MESSAGES.malformed }));
/** An address to look up (sign-in, reset): the key's checks, so it is compared as it would be stored. */
const lookupEmail = keyedEmail;
const name = z
  .string()
  .min(1)
  .max(100)
  .refine((value) => value.trim().length > 0, "must not be blank");
const password = z.string().max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
const opaqueToken = z.string().min(1).max(MAX_TOKEN_LENGTH);

export const RegisterBody = z.strictObject({ email, password, name });
/** A device token from an earlier sign-in (tokens/device.ts): a JWT of a few hundred characters. */
const deviceToken = z.string().min(1).max(MAX_DEVICE_TOKEN_LENGTH);
export const LoginBody = z.strictObject({ email: lookupEmail, password, device_token: deviceToken.optional() });
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

/** A second-factor code as typed: six digits, or a recovery code (`abcd-efgh-…`); anything else is a wrong code, not a 400. */
const mfaCode = z.string().min(1).max(32);
export const MfaCodeBody = z.strictObject({ code: mfaCode });
export const MfaVerifyBody = z.strictObject({ mfa_token: z.string().min(1).max(128), code: mfaCode });

/**
 * A WebAuthn response as a browser's `PublicKeyCredential.toJSON()` (or @simplewebauthn/browser)
 * sends it: every field bounded. Inside `response`, fields a browser adds beyond these are dropped,
 * not refused — browsers add them over time; the library verifies what it reads.
 */
const b64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, "must be base64url")
    .max(max);
const credentialBase = {
  id: b64url(1400).min(1),
  rawId: b64url(1400).min(1),
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.record(z.string().max(64), z.unknown()).default({}),
};
export const RegistrationResponse = z.strictObject({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    attestationObject: b64url(8192).min(1),
    authenticatorData: b64url(4096).optional(),
    transports: z.array(z.string().max(32)).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(2048).optional(),
  }),
});
export const AuthenticationResponse = z.strictObject({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    authenticatorData: b64url(4096).min(1),
    signature: b64url(1024).min(1),
    userHandle: b64url(128).optional(),
  }),
});
const passkeyName = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => value.trim().length > 0 && !/\p{C}/u.test(value), "must be 1–64 visible characters");
export const PasskeyRegisterBody = z.strictObject({ response: RegistrationResponse, name: passkeyName.optional() });
export const PasskeyLoginBody = z.strictObject({ challenge_id: z.uuid(), response: AuthenticationResponse });
export const PasskeyRenameBody = z.strictObject({ name: passkeyName });
