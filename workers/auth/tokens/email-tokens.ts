/**
 * @module
 * Single-use tokens sent by mail: email verification (24 h) and password reset (30 min). 256 bits
 * of randomness, stored only as a SHA-256 hash, bound to one purpose, one user and the address the
 * mail went to. Redeeming one marks it used in the same batch as what it does.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { randomToken, sha256Base64Url } from "../../shared/crypto.js";
import type { AuthDatabase } from "../db/client.js";
import { emailTokens, type EmailToken, type EmailTokenPurpose } from "../db/schema.js";

export async function newEmailToken(
  user: { id: string; email: string },
  purpose: EmailTokenPurpose,
  ttlSeconds: number,
  nowMs: number,
): Promise<{ token: string; row: EmailToken }> {
  const token = randomToken(32);
  return {
    token,
    row: {
      id: crypto.randomUUID(),
      userId: user.id,
      purpose,
      tokenHash: await sha256Base64Url(token),
      email: user.email,
      createdAt: nowMs,
      expiresAt: nowMs + ttlSeconds * 1000,
      usedAt: null,
    },
  };
}

/** The unused, unexpired token of `purpose` with this value, if there is one. */
export async function findRedeemableToken(
  db: AuthDatabase,
  token: string,
  purpose: EmailTokenPurpose,
  nowMs: number,
): Promise<EmailToken | undefined> {
  if (token.length > 128) return undefined;
  return db
    .select()
    .from(emailTokens)
    .where(
      and(
        eq(emailTokens.tokenHash, await sha256Base64Url(token)),
        eq(emailTokens.purpose, purpose),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, nowMs),
      ),
    )
    .get();
}

/** For a redeeming batch: marks the token used, only if nobody has yet. */
export function claimToken(db: AuthDatabase, id: string, nowMs: number) {
  return db
    .update(emailTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(emailTokens.id, id), isNull(emailTokens.usedAt)))
    .returning({ id: emailTokens.id });
}

/** For a redeeming batch: the user's other unused tokens of `purpose` stop working too. */
export function retireOtherTokens(db: AuthDatabase, userId: string, purpose: EmailTokenPurpose, nowMs: number) {
  return db
    .update(emailTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
}
