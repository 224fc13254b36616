/**
 * @module
 * Email ownership over HTTP (docs/protocol.md): verification on request and by its mailed token,
 * the password reset, and — in development, on loopback — the mailbox that stands in for sending.
 */
import { desc, eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { ApiError } from "../../shared/errors.js";
import { jsonBody } from "../../shared/http.js";
import { devMailbox } from "../db/schema.js";
import { resetPassword, sendPasswordResetMail, sendVerificationMail, userForResetToken, verifyEmail } from "../email-ownership.js";
import {
  enforceRateLimit,
  optionalUserSession,
  rateLimit,
  requireDevFeatures,
  requireUserSession,
  type AuthAppEnv,
} from "../middleware.js";
import { passwordWeakness } from "../passwords.js";
import { DevMailboxQuery, PasswordResetBody, PasswordResetRequestBody, VerifyEmailBody } from "../schemas.js";
import { pushSessionSync } from "../session-sync.js";
import { normalizeEmail, toPublicUser } from "../users.js";

export const emailRoutes = new Hono<AuthAppEnv>();

/** A new verification mail for the signed-in user (rate limited per account); 202 either way. */
emailRoutes.post("/email/verify/request", requireUserSession, async (c) => {
  const { user } = c.var.access;
  await enforceRateLimit(c.env, `verify-request:${user.id}`);
  if (user.emailVerifiedAt !== null) return c.json({ status: "already_verified" }, 202);
  await sendVerificationMail(c.var.auth, c.env, user);
  return c.json({ status: "sent" }, 202);
});

/**
 * Redeems the token of a verification mail. Anyone holding the link may use it (it is opened
 * where the mail is read), but a signed-in caller only their own.
 */
emailRoutes.post("/email/verify", rateLimit("verify"), optionalUserSession, jsonBody(VerifyEmailBody), async (c) => {
  const user = await verifyEmail(c.var.auth, c.req.valid("json").token, c.var.userId ?? null);
  c.executionCtx.waitUntil(pushSessionSync(c.var.auth, c.env));
  return c.json({ user: toPublicUser(user) });
});

const RESET_REQUESTED = "If an account has this address, a mail with a reset link is on its way.";

/**
 * The same 202 and body for a known and an unknown address, answered before any lookup: the
 * lookup, the token and the mail happen after the response, so its timing tells nothing either.
 * Rate limited per client address and per address asked about.
 */
emailRoutes.post("/password/reset/request", rateLimit("reset-request"), jsonBody(PasswordResetRequestBody), async (c) => {
  const { email } = c.req.valid("json");
  await enforceRateLimit(c.env, `reset-account:${normalizeEmail(email)}`);
  c.executionCtx.waitUntil(sendPasswordResetMail(c.var.auth, c.env, email).then(() => undefined));
  return c.json({ message: RESET_REQUESTED }, 202);
});

/** Sets a new password with a reset token: single use, 30 minutes; every session of the user ends. */
emailRoutes.post("/password/reset", rateLimit("reset"), jsonBody(PasswordResetBody), async (c) => {
  const { token, password } = c.req.valid("json");
  const reset = await userForResetToken(c.var.auth, token);
  // The rules apply before the token is spent: a refused password leaves the link usable.
  const weakness = passwordWeakness(password, reset.user.email, c.var.auth.config.passwordMinLength);
  if (weakness) throw new ApiError("weak_password", weakness);
  await resetPassword(c.var.auth, reset, password);
  c.executionCtx.waitUntil(pushSessionSync(c.var.auth, c.env));
  return c.body(null, 204);
});

/** Development only (on loopback): the mail that would have been sent to `email`, newest first. */
emailRoutes.get("/dev/mailbox", requireDevFeatures, async (c) => {
  const query = DevMailboxQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError("validation_failed", "The query is ?email=<address>.");
  const rows = await c.var.auth.db
    .select()
    .from(devMailbox)
    .where(eq(devMailbox.toNormalized, normalizeEmail(query.data.email)))
    .orderBy(desc(devMailbox.createdAt), desc(sql`rowid`))
    .limit(50)
    .all();
  return c.json({
    messages: rows.map((row) => ({
      to: row.to,
      subject: row.subject,
      text: row.text,
      token: row.token,
      created_at: new Date(row.createdAt).toISOString(),
    })),
  });
});
