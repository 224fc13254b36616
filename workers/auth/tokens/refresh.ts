/**
 * @module
 * Refresh tokens: opaque, 256-bit random, stored only as a SHA-256 hash. Each use rotates: the
 * presented token is marked used and one child in the same family replaces it.
 *
 * A child is not random but derived: HMAC-SHA256(a random salt stored with the child, the parent's
 * token). So when the parent is presented again within the grace period — the answer to the first
 * rotation was lost, or the client retried — the same child can be handed out again although only
 * its hash is stored. Without the parent token (never stored) the salt alone derives nothing, and
 * past the grace period presenting the parent is reuse, as before.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { base64UrlDecode, base64UrlEncode, randomToken, sha256Base64Url } from "../../shared/crypto.js";
import type { AuthDatabase } from "../db/client.js";
import { refreshTokens, sessions, type RefreshToken } from "../db/schema.js";

export interface NewRefreshToken {
  token: string;
  row: typeof refreshTokens.$inferInsert;
}

interface TokenIds {
  userId: string;
  sessionId: string;
  familyId: string;
}

function rowFor(
  ids: TokenIds,
  extra: { parentId: string | null; derivationSalt: string | null },
  tokenHash: string,
  expiresAtMs: number,
  nowMs: number,
) {
  return {
    id: crypto.randomUUID(),
    tokenHash,
    familyId: ids.familyId,
    parentId: extra.parentId,
    derivationSalt: extra.derivationSalt,
    sessionId: ids.sessionId,
    userId: ids.userId,
    createdAt: nowMs,
    expiresAt: expiresAtMs,
  };
}

/** A session's first refresh token: random. */
export async function firstRefreshToken(ids: TokenIds, expiresAtMs: number, nowMs: number): Promise<NewRefreshToken> {
  const token = randomToken(32);
  return { token, row: rowFor(ids, { parentId: null, derivationSalt: null }, await sha256Base64Url(token), expiresAtMs, nowMs) };
}

/** The child token of `parentToken` under `salt` (see the module comment). */
export async function deriveChildToken(parentToken: string, salt: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", base64UrlDecode(salt), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(parentToken));
  return base64UrlEncode(new Uint8Array(mac));
}

/** A rotation's child of `parent`, derived from the parent's token under a fresh salt. */
export async function childRefreshToken(
  parent: RefreshToken,
  parentToken: string,
  expiresAtMs: number,
  nowMs: number,
): Promise<NewRefreshToken> {
  const derivationSalt = randomToken(32);
  const token = await deriveChildToken(parentToken, derivationSalt);
  return { token, row: rowFor(parent, { parentId: parent.id, derivationSalt }, await sha256Base64Url(token), expiresAtMs, nowMs) };
}

export async function findRefreshToken(db: AuthDatabase, token: string): Promise<RefreshToken | undefined> {
  const tokenHash = await sha256Base64Url(token);
  return db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).get();
}

export function findChild(db: AuthDatabase, parentId: string) {
  return db.select().from(refreshTokens).where(eq(refreshTokens.parentId, parentId));
}

/**
 * The child's insert, for a rotation's batch: only while the parent is neither used nor revoked,
 * and only if the parent has no child yet (the unique parent_id) — so of two rotations of one
 * token at once, exactly one inserts, and the other finds the winner's child in the same batch.
 */
export function insertChildIfParentUnused(db: AuthDatabase, child: NewRefreshToken["row"]) {
  const parentId = child.parentId ?? "";
  // Columns in table order: id, token_hash, family_id, parent_id, session_id, user_id,
  // created_at, expires_at, used_at, revoked_at, derivation_salt.
  return db
    .insert(refreshTokens)
    .select(
      sql`SELECT ${child.id}, ${child.tokenHash}, ${child.familyId}, ${parentId}, ${child.sessionId}, ${child.userId},
                 ${child.createdAt}, ${child.expiresAt}, NULL, NULL, ${child.derivationSalt}
          WHERE EXISTS (SELECT 1 FROM ${refreshTokens} WHERE ${refreshTokens.id} = ${parentId}
                        AND ${refreshTokens.usedAt} IS NULL AND ${refreshTokens.revokedAt} IS NULL)`,
    )
    .onConflictDoNothing();
}

/**
 * A session's first token, for a sign-in's batch: only if the session's row was written before it
 * in the same batch (a sign-in that lost a race with a credential change writes neither).
 */
export function insertFirstIfSessionExists(db: AuthDatabase, row: NewRefreshToken["row"]) {
  // Columns in table order: id, token_hash, family_id, parent_id, session_id, user_id,
  // created_at, expires_at, used_at, revoked_at, derivation_salt.
  return db.insert(refreshTokens).select(
    sql`SELECT ${row.id}, ${row.tokenHash}, ${row.familyId}, NULL, ${row.sessionId}, ${row.userId},
                 ${row.createdAt}, ${row.expiresAt}, NULL, NULL, NULL
          WHERE EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.id} = ${row.sessionId})`,
  );
}

/** Marks the parent used by this rotation (a no-op if a concurrent one did it first). */
export function markUsed(db: AuthDatabase, id: string, nowMs: number) {
  return db
    .update(refreshTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)));
}
