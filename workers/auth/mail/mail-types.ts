/**
 * @module
 * What the auth Worker sends and what a mail transport (`tetherAuth({ mailer })`) implements.
 */
export type MailKind = "verify_email" | "reset_password";

export interface OutgoingMail {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  /** The single-use token the mail carries: kept by the dev mailbox only, never logged. */
  token: string;
  /** For the log line: who it was for, never the address. */
  userId: string;
}

export type MailOutcome = "kept_in_dev_mailbox" | "sent" | "not_sent";

export interface Mailer {
  send(mail: OutgoingMail): Promise<MailOutcome>;
}
