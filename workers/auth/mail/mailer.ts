/**
 * @module
 * The one way the auth Worker sends mail. Which mailer serves is the environment's:
 * - development (on a loopback host): the dev mailbox, a table read at GET /auth/dev/mailbox —
 *   nothing leaves the machine;
 * - staging and production with a `send_email` binding (`EMAIL`) and `MAIL_FROM`: Cloudflare's
 *   Email Service;
 * - anywhere else: nothing is sent, and one log line says so (sign-up still works; the user can
 *   ask for a new mail once mail is set up).
 * Mail is sent after the response (`waitUntil`), so no answer's timing depends on it.
 */
import { normalizeEmail } from "../users.js";
import { errorKind, logEvent } from "../../shared/request-log.js";
import type { AuthBindings } from "../config.js";
import type { AuthContext } from "../context.js";
import { devMailbox } from "../db/schema.js";
import type { Mailer } from "./mail-types.js";

export type { Mailer, MailKind, MailOutcome, OutgoingMail } from "./mail-types.js";

export function mailerFor(env: AuthBindings, ctx: AuthContext): Mailer {
  if (ctx.devFeatures) return devMailboxMailer(ctx);
  if (ctx.appMailer) return ctx.appMailer(env);
  const from = env.MAIL_FROM?.trim();
  if (env.EMAIL && from) return sendEmailMailer(env.EMAIL, from);
  return notSentMailer;
}

function devMailboxMailer(ctx: AuthContext): Mailer {
  return {
    async send(mail) {
      await ctx.db.insert(devMailbox).values({
        id: crypto.randomUUID(),
        toNormalized: normalizeEmail(mail.to),
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        token: mail.token,
        createdAt: Date.now(),
      });
      return "kept_in_dev_mailbox";
    },
  };
}

function sendEmailMailer(binding: SendEmail, from: string): Mailer {
  return {
    async send(mail) {
      try {
        await binding.send({ from, to: mail.to, subject: mail.subject, text: mail.text });
        logEvent("info", "mail_sent", { kind: mail.kind, user_id: mail.userId });
        return "sent";
      } catch (error) {
        logEvent("error", "mail_failed", { kind: mail.kind, user_id: mail.userId, error: errorKind(error) });
        return "not_sent";
      }
    },
  };
}

const notSentMailer: Mailer = {
  send(mail) {
    logEvent("warn", "mail_not_sent", {
      kind: mail.kind,
      user_id: mail.userId,
      why: "no send_email binding (EMAIL) and MAIL_FROM configured",
    });
    return Promise.resolve("not_sent");
  },
};
