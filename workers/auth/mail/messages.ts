/**
 * @module
 * The mails the auth Worker sends: what they say and where their links go. A link carries its
 * token in the fragment (`#verify_email=…`), which no server log or Referer sees; the page swaps
 * it for the result with a POST. Without MAIL_LINK_ORIGIN the mail gives the token as a code.
 */
import type { AuthBindings } from "../config.js";
import type { OutgoingMail } from "./mailer.js";

export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 3600;
export const PASSWORD_RESET_TTL_SECONDS = 30 * 60;

function link(env: AuthBindings, fragment: string, token: string): string | null {
  const origin = env.MAIL_LINK_ORIGIN?.trim();
  return origin ? `${origin.replace(/\/+$/, "")}/#${fragment}=${token}` : null;
}

/**
 * The mails go to addresses nobody has proved yet, so they carry nothing a registrant typed — not
 * the sign-up name, not even the address (its local part is free text too): otherwise anyone
 * could send a mail with their own words ("Click http://evil.test…") from our domain to anyone.
 * Fixed text and the link, nothing else.
 */
type MailRecipient = { id: string; email: string };

export function verificationMail(env: AuthBindings, user: MailRecipient, token: string): OutgoingMail {
  const url = link(env, "verify_email", token);
  return {
    kind: "verify_email",
    to: user.email,
    userId: user.id,
    token,
    subject: "Confirm your email address",
    text: [
      "Hello,",
      "",
      url
        ? `To confirm that this email address is yours, open this link:\n${url}`
        : `To confirm that this email address is yours, enter this code:\n${token}`,
      "",
      "It works once, within 24 hours. If you did not sign up, ignore this mail.",
    ].join("\n"),
  };
}

export function passwordResetMail(env: AuthBindings, user: MailRecipient, token: string): OutgoingMail {
  const url = link(env, "reset_password", token);
  return {
    kind: "reset_password",
    to: user.email,
    userId: user.id,
    token,
    subject: "Reset your password",
    text: [
      "Hello,",
      "",
      url ? `To choose a new password, open this link:\n${url}` : `To choose a new password, enter this code:\n${token}`,
      "",
      "It works once, within 30 minutes, and signs you out everywhere. If you did not ask for it, ignore this mail: your password stays as it is.",
    ].join("\n"),
  };
}
