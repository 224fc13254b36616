import { and, eq, isNull } from "drizzle-orm";
import { randomToken, sha256Base64Url } from "../../shared/crypto.js";
import type { AuthDatabase } from "../db/client.js";
import { refreshTokens, type RefreshToken } from "../db/schema.js";

/**
 * Refresh tokens: opaque, 256-bit random, stored only as a SHA-256 hash. Each use rotates: the
 * presented token is marked used and a child in the same family replaces it.
 */

export interface NewRefreshToken {
  token: string;
  row: typeof refreshTokens.$inferInsert;
}

export async function newRefreshToken(
  ids: { userId: string; sessionId: string; familyId: string; parentId: string | null },
  ttlSeconds: number,
  nowMs: number,
): Promise<NewRefreshToken> {
  const token = randomToken(32);
  return {
    token,
    row: {
      id: crypto.randomUUID(),
      tokenHash: await sha256Base64Url(token),
      familyId: ids.familyId,
      parentId: ids.parentId,
      sessionId: ids.sessionId,
      userId: ids.userId,
      createdAt: nowMs,
      expiresAt: nowMs + ttlSeconds * 1000,
    },
  };
}

export async function findRefreshToken(db: AuthDatabase, token: string): Promise<RefreshToken | undefined> {
  const tokenHash = await sha256Base64Url(token);
  return db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).get();
}

/**
 * Marks the token used, only if nobody has yet. Returns false when another request used it
 * first: two presentations of one refresh token are reuse, whichever arrives second.
 */
export async function claimRefreshToken(db: AuthDatabase, id: string, nowMs: number): Promise<boolean> {
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return claimed.length === 1;
}
