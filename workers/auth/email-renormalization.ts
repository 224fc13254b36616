/**
 * @module
 * Brings users' `email_normalized` to the current normalization (users.ts), a page per cron run.
 * Rows written before NFKC and case folding may now collide: josé spelled NFC and NFD were two
 * accounts. A row whose new key another account holds is never merged into it or changed: the pair
 * is recorded in `email_conflicts` and logged (`email_conflict`), for an operator to resolve.
 */
import { and, eq, lt, ne } from "drizzle-orm";
import { logEvent } from "../shared/request-log.js";
import type { AuthContext } from "./context.js";
import { emailConflicts, users } from "./db/schema.js";
import { EMAIL_NORMALIZATION_VERSION, normalizeEmail } from "./users.js";

/** Rows per cron run: the cron runs every minute, so a large table is done in a few hours. */
export const RENORMALIZATION_PAGE = 200;

export interface RenormalizationResult {
  renormalized: number;
  conflicts: number;
}

export async function renormalizeEmails(ctx: AuthContext, nowMs = Date.now()): Promise<RenormalizationResult> {
  const result: RenormalizationResult = { renormalized: 0, conflicts: 0 };
  const stale = await ctx.db
    .select({ id: users.id, email: users.email, emailNormalized: users.emailNormalized })
    .from(users)
    .where(lt(users.emailNormalization, EMAIL_NORMALIZATION_VERSION))
    .limit(RENORMALIZATION_PAGE)
    .all();
  for (const user of stale) {
    const key = normalizeEmail(user.email);
    const holder =
      key === user.emailNormalized
        ? undefined
        : await ctx.db
            .select({ id: users.id })
            .from(users)
            .where(and(eq(users.emailNormalized, key), ne(users.id, user.id)))
            .get();
    if (holder) {
      await ctx.db.batch([
        ctx.db
          .insert(emailConflicts)
          .values({ userId: user.id, conflictingUserId: holder.id, emailNormalized: key, foundAt: nowMs })
          .onConflictDoNothing(),
        // Marked done with its old key kept: the account stays as it was, reachable as before.
        ctx.db.update(users).set({ emailNormalization: EMAIL_NORMALIZATION_VERSION }).where(eq(users.id, user.id)),
      ]);
      logEvent("warn", "email_conflict", { user_id: user.id, conflicting_user_id: holder.id });
      result.conflicts += 1;
    } else {
      await ctx.db
        .update(users)
        .set({ emailNormalized: key, emailNormalization: EMAIL_NORMALIZATION_VERSION })
        .where(eq(users.id, user.id));
      result.renormalized += 1;
    }
  }
  return result;
}
