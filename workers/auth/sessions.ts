import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { TokenResponse } from "../shared/auth-api.js";
import { ApiError } from "../shared/errors.js";
import type { SessionRevocationReason } from "../shared/rpc.js";
import { TokenError, TOKEN_FAILURE_MESSAGES } from "../shared/token-errors.js";
import type { AccessClaims } from "../shared/tokens.js";
import type { AuthContext } from "./context.js";
import { refreshTokens, sessions, sessionSyncOutbox, users, type Session, type User } from "./db/schema.js";
import { signAccessToken, verifyAccessToken } from "./tokens/access.js";
import { claimRefreshToken, findRefreshToken, newRefreshToken } from "./tokens/refresh.js";
import { findUserById, toPublicUser } from "./users.js";

export interface ClientInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

async function tokenResponse(ctx: AuthContext, user: User, sessionId: string, refreshToken: string) {
  const access = await signAccessToken(await ctx.accessKeys(), ctx.config, {
    userId: user.id,
    sessionId,
    email: user.email,
    name: user.name,
    permissions: user.permissions,
  });
  const body: TokenResponse = {
    user: toPublicUser(user),
    access_token: access.token,
    refresh_token: refreshToken,
    token_type: "Bearer",
    expires_in: access.expiresIn,
  };
  return body;
}

/** A new login session: the session row and its first refresh token, written in one batch. */
export async function startSession(ctx: AuthContext, user: User, client: ClientInfo): Promise<TokenResponse> {
  const nowMs = Date.now();
  const sessionId = crypto.randomUUID();
  const ttl = ctx.config.refreshTokenTtlSeconds;
  const refresh = await newRefreshToken(
    { userId: user.id, sessionId, familyId: crypto.randomUUID(), parentId: null },
    ttl,
    nowMs,
  );
  await ctx.db.batch([
    ctx.db.insert(sessions).values({
      id: sessionId,
      userId: user.id,
      createdAt: nowMs,
      lastActivityAt: nowMs,
      expiresAt: nowMs + ttl * 1000,
      userAgent: client.userAgent,
      ipAddress: client.ipAddress,
    }),
    ctx.db.insert(refreshTokens).values(refresh.row),
  ]);
  return tokenResponse(ctx, user, sessionId, refresh.token);
}

const INVALID_REFRESH = "The refresh token is not valid; sign in again.";

/**
 * Rotates a refresh token. A token presented a second time means it was copied: the whole
 * family and its session are revoked, so neither the thief nor the owner can go on with it.
 */
export async function refreshSession(ctx: AuthContext, presented: string): Promise<TokenResponse> {
  const nowMs = Date.now();
  const row = await findRefreshToken(ctx.db, presented);
  if (!row || row.revokedAt !== null) throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  if (row.usedAt !== null || !(await claimRefreshToken(ctx.db, row.id, nowMs))) {
    // The family is the session's chain of refresh tokens: revoking the session revokes all of it.
    await revokeSession(ctx, { id: row.sessionId, userId: row.userId }, "refresh_token_reuse");
    throw new ApiError("invalid_refresh_token", "This refresh token was already used; the session has been revoked.");
  }
  const [session, user] = await Promise.all([findSession(ctx, row.sessionId), findUserById(ctx.db, row.userId)]);
  if (row.expiresAt <= nowMs || !session || session.revokedAt !== null || !user || user.disabledAt !== null) {
    throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  }
  const ttl = ctx.config.refreshTokenTtlSeconds;
  const child = await newRefreshToken(
    { userId: user.id, sessionId: session.id, familyId: row.familyId, parentId: row.id },
    ttl,
    nowMs,
  );
  await ctx.db.batch([
    ctx.db.insert(refreshTokens).values(child.row),
    ctx.db
      .update(sessions)
      .set({ lastActivityAt: nowMs, expiresAt: nowMs + ttl * 1000 })
      .where(eq(sessions.id, session.id)),
  ]);
  return tokenResponse(ctx, user, session.id, child.token);
}

function findSession(ctx: AuthContext, sessionId: string): Promise<Session | undefined> {
  return ctx.db.select().from(sessions).where(eq(sessions.id, sessionId)).get();
}

/** The outbox row that tells the backend to close a session's sockets (see session-sync.ts). */
function syncRevocation(ctx: AuthContext, userId: string, sessionIds: string[], reason: SessionRevocationReason, nowMs: number) {
  return ctx.db.insert(sessionSyncOutbox).values({
    id: crypto.randomUUID(),
    kind: sessionIds.length === 1 ? "revoke_session" : "revoke_user",
    userId,
    sessionIds,
    reason,
    createdAt: nowMs,
  });
}

/** Revokes one session and every refresh token it holds, atomically, and queues the socket close. */
export async function revokeSession(ctx: AuthContext, session: { id: string; userId: string }, reason: SessionRevocationReason) {
  const nowMs = Date.now();
  const sessionId = session.id;
  await ctx.db.batch([
    syncRevocation(ctx, session.userId, [sessionId], reason, nowMs),
    ctx.db
      .update(refreshTokens)
      .set({ revokedAt: nowMs })
      .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.revokedAt))),
    ctx.db
      .update(sessions)
      .set({ revokedAt: nowMs, revokedReason: reason })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt))),
  ]);
}

/** Revokes every live session of a user, atomically, and queues closing all their sockets. */
export async function revokeUserSessions(ctx: AuthContext, userId: string, reason: SessionRevocationReason) {
  const nowMs = Date.now();
  const live = await ctx.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .all();
  const sessionIds = live.map((session) => session.id);
  await ctx.db.batch([
    syncRevocation(ctx, userId, sessionIds, reason, nowMs),
    ctx.db
      .update(refreshTokens)
      .set({ revokedAt: nowMs })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt))),
    ctx.db
      .update(sessions)
      .set({ revokedAt: nowMs, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
  ]);
  return sessionIds;
}

/** Disables the user and revokes every session; returns how many sessions were live. */
export async function disableUser(ctx: AuthContext, userId: string): Promise<number> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new ApiError("not_found", "No such user.");
  const nowMs = Date.now();
  // Disabled first: if the revocation below fails, every token of the user is already refused.
  await ctx.db.update(users).set({ disabledAt: nowMs, updatedAt: nowMs }).where(and(eq(users.id, userId), isNull(users.disabledAt)));
  return (await revokeUserSessions(ctx, userId, "user_disabled")).length;
}

export interface AuthenticatedAccess {
  claims: AccessClaims;
  session: Session;
  user: User;
}

/**
 * The full check of a user access token: the JWT itself, then that its session is live and its
 * user is neither gone nor disabled. A logout takes effect here at once.
 */
export async function authenticateAccessToken(ctx: AuthContext, token: string): Promise<AuthenticatedAccess> {
  const claims = await verifyAccessToken(token, await ctx.accessKeys(), ctx.config);
  // One query for both rows: this runs for every uncached validation (every new socket).
  const found = await ctx.db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, claims.sid), eq(sessions.userId, claims.sub)))
    .get();
  if (!found) throw new TokenError("invalid_token", TOKEN_FAILURE_MESSAGES.invalid_token);
  const { session, user } = found;
  if (session.revokedAt !== null || user.disabledAt !== null) {
    throw new TokenError("token_revoked", TOKEN_FAILURE_MESSAGES.token_revoked);
  }
  return { claims, session, user };
}

export function listLiveSessions(ctx: AuthContext, userId: string): Promise<Session[]> {
  return ctx.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, Date.now())))
    .orderBy(desc(sessions.lastActivityAt))
    .all();
}

export function publicSession(session: Session, currentSessionId: string) {
  return {
    id: session.id,
    created_at: new Date(session.createdAt).toISOString(),
    last_activity: new Date(session.lastActivityAt).toISOString(),
    user_agent: session.userAgent,
    ip_address: session.ipAddress,
    current: session.id === currentSessionId,
  };
}
