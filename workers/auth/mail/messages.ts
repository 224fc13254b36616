/**
 * @module
 * The mails the auth Worker sends: what they say and where their links go. A link carries its
 * token in the fragment (`#verify_email=…`), which no server log or Referer sees; the page swaps
 * it for the result with a POST. Without MAIL_LINK_ORIGIN the mail gives the token as a code.
 */
import type { AuthBindings } from "../config.js";
import type { MailKind, OutgoingMail } from "./mailer.js";

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

/** A mail that carries a token: as a link when MAIL_LINK_ORIGIN is set, else as a code to enter. */
function tokenMail(
  env: AuthBindings,
  user: MailRecipient,
  token: string,
  mail: { kind: MailKind; subject: string; purpose: string; terms: string },
): OutgoingMail {
  // The fragment is the kind (`#verify_email=…`, `#reset_password=…`): what the page looks for.
  const url = link(env, mail.kind, token);
  return {
    kind: mail.kind,
    to: user.email,
    userId: user.id,
    token,
    subject: mail.subject,
    text: [
      "Hello,",
      "",
      url ? `${mail.purpose}, open this link:\n${url}` : `${mail.purpose}, enter this code:\n${token}`,
      "",
      mail.terms,
    ].join("\n"),
  };
}

export function verificationMail(env: AuthBindings, user: MailRecipient, token: string): OutgoingMail {
  return tokenMail(env, user, token, {
    kind: "verify_email",
    subject: "Confirm your email address",
    purpose: "To confirm that this email address is yours",
    terms: "It works once, within 24 hours. If you did not sign up, ignore this mail.",
  });
}

export function passwordResetMail(env: AuthBindings, user: MailRecipient, token: string): OutgoingMail {
  return tokenMail(env, user, token, {
    kind: "reset_password",
    subject: "Reset your password",
    purpose: "To choose a new password",
    terms:
      "It works once, within 30 minutes, and signs you out everywhere. If you did not ask for it, ignore this mail: your password stays as it is.",
  });
}
