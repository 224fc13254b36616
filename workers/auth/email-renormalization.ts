/**
 * @module
 * Brings users' `email_normalized` to the current key (email-address.ts), a page per cron run.
 * A rule change can move keys either way: rows the old rule kept apart may now be one address
 * (josé spelled NFC and NFD under lower-casing alone), and rows it merged or reported as one
 * (`straße` and `strasse` under case folding) are now apart. A row whose new key another account
 * holds is never merged into it or changed: the pair is recorded in `email_conflicts` and logged
 * (`email_conflict`), for an operator to resolve. A row that gets its own key clears the conflict
 * an older rule reported for it, since that conflict no longer holds.
 */
import { and, eq, lt, ne } from "drizzle-orm";
import { logEvent } from "../shared/request-log.js";
import type { AuthContext } from "./context.js";
import { emailConflicts, users } from "./db/schema.js";
import { emailKey } from "./email-address.js";
import { EMAIL_NORMALIZATION_VERSION } from "./users.js";

/** Rows per cron run: the cron runs every minute, so a large table is done in a few hours. */
export const RENORMALIZATION_PAGE = 200;

export interface RenormalizationResult {
  renormalized: number;
  conflicts: number;
  /** Stored addresses the current rule refuses (no valid domain): kept as they were, and logged. */
  invalid: number;
}

interface StaleUser {
  id: string;
  email: string;
  emailNormalized: string;
  emailNormalization: number;
}

const staleColumns = {
  id: users.id,
  email: users.email,
  emailNormalized: users.emailNormalized,
  emailNormalization: users.emailNormalization,
};

export async function renormalizeEmails(ctx: AuthContext, nowMs = Date.now()): Promise<RenormalizationResult> {
  const result: RenormalizationResult = { renormalized: 0, conflicts: 0, invalid: 0 };
  const stale = await ctx.db
    .select(staleColumns)
    .from(users)
    .where(lt(users.emailNormalization, EMAIL_NORMALIZATION_VERSION))
    .limit(RENORMALIZATION_PAGE)
    .all();
  const done = new Set<string>();
  for (const user of stale) {
    if (!done.has(user.id)) await renormalizeUser(ctx, user, nowMs, result, done, true);
  }
  return result;
}

async function renormalizeUser(
  ctx: AuthContext,
  user: StaleUser,
  nowMs: number,
  result: RenormalizationResult,
  done: Set<string>,
  mayMoveHolder: boolean,
): Promise<void> {
  const key = emailKey(user.email);
  const markDone = ctx.db.update(users).set({ emailNormalization: EMAIL_NORMALIZATION_VERSION }).where(eq(users.id, user.id));
  if (key === null) {
    // Kept with its old key: nobody can sign in by this address any more, and an operator should know.
    await markDone;
    done.add(user.id);
    logEvent("warn", "email_key_invalid", { user_id: user.id });
    result.invalid += 1;
    return;
  }
  const holder =
    key === user.emailNormalized
      ? undefined
      : await ctx.db
          .select(staleColumns)
          .from(users)
          .where(and(eq(users.emailNormalized, key), ne(users.id, user.id)))
          .get();
  if (holder && mayMoveHolder && holder.emailNormalization < EMAIL_NORMALIZATION_VERSION) {
    // The holder's key comes from an older rule too: its own new key may free this one. Once.
    await renormalizeUser(ctx, holder, nowMs, result, done, false);
    return renormalizeUser(ctx, user, nowMs, result, done, false);
  }
  done.add(user.id);
  if (holder) {
    await ctx.db.batch([
      ctx.db
        .insert(emailConflicts)
        .values({ userId: user.id, conflictingUserId: holder.id, emailNormalized: key, foundAt: nowMs })
        // A conflict an older rule reported for this row is replaced by the one that holds now.
        .onConflictDoUpdate({
          target: emailConflicts.userId,
          set: { conflictingUserId: holder.id, emailNormalized: key, foundAt: nowMs },
        }),
      // Marked done with its old key kept: never merged, and nothing changed until an operator decides.
      markDone,
    ]);
    logEvent("warn", "email_conflict", { user_id: user.id, conflicting_user_id: holder.id });
    result.conflicts += 1;
    return;
  }
  const [, cleared] = await ctx.db.batch([
    ctx.db.update(users).set({ emailNormalized: key, emailNormalization: EMAIL_NORMALIZATION_VERSION }).where(eq(users.id, user.id)),
    ctx.db.delete(emailConflicts).where(eq(emailConflicts.userId, user.id)).returning({ userId: emailConflicts.userId }),
  ]);
  if (cleared.length > 0) logEvent("info", "email_conflict_resolved", { user_id: user.id });
  result.renormalized += 1;
}
