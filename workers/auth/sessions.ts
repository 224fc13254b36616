import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { TokenResponse } from "@tether/protocol";
import { sha256Base64Url } from "../shared/crypto.js";
import { ApiError } from "../shared/errors.js";
import { TokenError, TOKEN_FAILURE_MESSAGES } from "../shared/token-errors.js";
import type { AccessClaims } from "../shared/tokens.js";
import type { AuthContext } from "./context.js";
import type { AuthDatabase } from "./db/client.js";
import { sessions, users, type RefreshToken, type Session, type User } from "./db/schema.js";
import { revokeSession } from "./revocation.js";
import { sessionLimitRevocation } from "./session-limit.js";
import { signDeviceToken } from "./tokens/device.js";
import { signAccessToken, verifyAccessToken } from "./tokens/access.js";
import {
  childRefreshToken,
  deriveChildToken,
  findChild,
  findRefreshToken,
  firstRefreshToken,
  insertChildIfParentUnused,
  insertFirstIfSessionExists,
  markUsed,
} from "./tokens/refresh.js";
import { toPublicUser } from "./users.js";

export interface ClientInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

/** When a session ends at the latest: SESSION_MAX_AGE_SECONDS after sign-in, however often it refreshes. */
function sessionEndMs(ctx: AuthContext, session: { createdAt: number }): number {
  return session.createdAt + ctx.config.sessionMaxAgeSeconds * 1000;
}

/** A refresh token (and the session's sliding expiry) lives its TTL, never past the session's end. */
function refreshExpiryMs(ctx: AuthContext, session: { createdAt: number }, nowMs: number): number {
  return Math.min(nowMs + ctx.config.refreshTokenTtlSeconds * 1000, sessionEndMs(ctx, session));
}

/** What a session's tokens are signed from: its id, its start, and how and when the user signed in. */
type SessionBasis = Pick<Session, "id" | "createdAt" | "amr" | "authTime">;

async function tokenResponse(ctx: AuthContext, user: User, session: SessionBasis, refreshToken: string) {
  const secondsLeft = Math.floor((sessionEndMs(ctx, session) - Date.now()) / 1000);
  const access = await signAccessToken(await ctx.accessKeys(), ctx.config, {
    userId: user.id,
    sessionId: session.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    permissions: user.permissions,
    // A refresh signs them as the sign-in did: a stolen refresh token never makes a sign-in recent.
    amr: session.amr,
    authTimeMs: session.authTime ?? session.createdAt,
    // An access token never outlives its session either.
    ttlSeconds: Math.max(1, Math.min(ctx.config.accessTokenTtlSeconds, secondsLeft)),
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

/** What a sign-in answers: the token response, always with its device token. */
export type SignInResponse = TokenResponse & { device_token: string };

/**
 * How a sign-in proved who it is, as the `amr` claim names it (RFC 8176 where it has a name):
 * a password, a password and a one-time code, a passkey, a provider, development's shortcut.
 */
export type AuthMethod = "pwd" | "otp" | "passkey" | "oidc" | "dev";

export interface SignInMethod {
  amr: AuthMethod[];
  /** The device a valid device token named, kept so the device's failure count stays its own. */
  deviceId?: string | null;
}

/**
 * A new login session: the session row and its first refresh token, in one batch that writes
 * nothing unless the user's credential version is still the one `user` was read with (and the
 * user is not disabled) — so a sign-in racing a password reset or a claim leaves no live session
 * behind (docs/protocol.md); it answers 401 `invalid_credentials` instead. The batch also ends the
 * user's oldest sessions past MAX_SESSIONS_PER_USER (session-limit.ts). The session keeps how and
 * when the user signed in (`amr`, `auth_time`) for every token it will sign.
 */
export async function startSession(ctx: AuthContext, user: User, client: ClientInfo, method: SignInMethod): Promise<SignInResponse> {
  const nowMs = Date.now();
  const deviceId = method.deviceId ?? null;
  const session: SessionBasis = { id: crypto.randomUUID(), createdAt: nowMs, amr: method.amr, authTime: nowMs };
  const expiresAt = refreshExpiryMs(ctx, session, nowMs);
  const refresh = await firstRefreshToken({ userId: user.id, sessionId: session.id, familyId: crypto.randomUUID() }, expiresAt, nowMs);
  const constant = <T>(value: T, name: string) => sql<T>`${value}`.as(name);
  const [written] = await ctx.db.batch([
    ctx.db
      .insert(sessions)
      .select(
        ctx.db
          .select({
            id: constant(session.id, "id"),
            userId: users.id,
            createdAt: constant(nowMs, "created_at"),
            lastActivityAt: constant(nowMs, "last_activity_at"),
            expiresAt: constant(expiresAt, "expires_at"),
            userAgent: constant(client.userAgent, "user_agent"),
            ipAddress: constant(client.ipAddress, "ip_address"),
            revokedAt: constant(null, "revoked_at"),
            revokedReason: constant(null, "revoked_reason"),
            amr: constant(JSON.stringify(session.amr), "amr"),
            authTime: constant(nowMs, "auth_time"),
          })
          .from(users)
          .where(and(eq(users.id, user.id), eq(users.credentialVersion, user.credentialVersion), isNull(users.disabledAt))),
      )
      .returning({ id: sessions.id }),
    insertFirstIfSessionExists(ctx.db, refresh.row),
    ...sessionLimitRevocation(ctx, user.id, session.id, nowMs),
  ]);
  if (written.length === 0) {
    throw new ApiError("invalid_credentials", "The account's credentials changed during this sign-in; sign in again.");
  }
  const body = await tokenResponse(ctx, user, session, refresh.token);
  return { ...body, device_token: await signDeviceToken(ctx, { userId: user.id, deviceId: deviceId ?? crypto.randomUUID() }) };
}

const INVALID_REFRESH = "The refresh token is not valid; sign in again.";

/** The session and user of a refresh token, if both may still go on; otherwise invalid. */
async function liveSessionOf(ctx: AuthContext, token: RefreshToken, nowMs: number): Promise<{ session: Session; user: User }> {
  const found = await ctx.db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, token.sessionId))
    .get();
  if (!found || found.session.revokedAt !== null || found.user.disabledAt !== null) {
    throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  }
  if (sessionEndMs(ctx, found.session) <= nowMs) {
    throw new ApiError("invalid_refresh_token", "The session has reached its maximum age; sign in again.");
  }
  return found;
}

/**
 * Rotates a refresh token in one atomic batch: the child (derived, see tokens/refresh.ts) is
 * inserted only while the parent is unused, the parent is marked used, the session's activity
 * moves, and the parent's child is read back. So a rotation either happens whole or not at all,
 * and of two presentations at once both get the one child.
 *
 * A token presented again after its rotation is a retry within REFRESH_REUSE_GRACE_SECONDS (the
 * same child again, while that child is unused) and reuse after it: a copy is in someone else's
 * hands, so the whole family and its session are revoked and neither side can go on.
 */
export async function refreshSession(ctx: AuthContext, presented: string): Promise<TokenResponse> {
  const nowMs = Date.now();
  const parent = await findRefreshToken(ctx.db, presented);
  if (!parent || parent.revokedAt !== null) throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  if (parent.usedAt !== null) return retryOrReuse(ctx, parent, presented, nowMs);
  if (parent.expiresAt <= nowMs) throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  const { session, user } = await liveSessionOf(ctx, parent, nowMs);

  const child = await childRefreshToken(parent, presented, refreshExpiryMs(ctx, session, nowMs), nowMs);
  const [, , , children] = await ctx.db.batch([
    insertChildIfParentUnused(ctx.db, child.row),
    markUsed(ctx.db, parent.id, nowMs),
    ctx.db
      .update(sessions)
      .set({ lastActivityAt: nowMs, expiresAt: child.row.expiresAt })
      .where(and(eq(sessions.id, session.id), isNull(sessions.revokedAt))),
    findChild(ctx.db, parent.id),
  ]);
  const winner = children[0];
  // No child: the parent was revoked (a logout) between the read above and the batch.
  if (!winner) throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  if (winner.id === child.row.id) return tokenResponse(ctx, user, session, child.token);
  // A concurrent presentation of the same token rotated it first: hand out its child.
  return sameChildAgain(ctx, winner, presented, { session, user });
}

async function retryOrReuse(ctx: AuthContext, parent: RefreshToken, presented: string, nowMs: number): Promise<TokenResponse> {
  const child = await findChild(ctx.db, parent.id).get();
  const withinGrace = parent.usedAt !== null && nowMs - parent.usedAt <= ctx.config.refreshReuseGraceSeconds * 1000;
  if (withinGrace && child && child.usedAt === null && child.revokedAt === null) {
    return sameChildAgain(ctx, child, presented, await liveSessionOf(ctx, parent, nowMs));
  }
  // The family is the session's chain of refresh tokens: revoking the session revokes all of it.
  await revokeSession(ctx, { id: parent.sessionId, userId: parent.userId }, "refresh_token_reuse");
  throw new ApiError("invalid_refresh_token", "This refresh token was already used; the session has been revoked.");
}

/** The child of `presented` again: recomputed from its salt and checked against its stored hash. */
async function sameChildAgain(
  ctx: AuthContext,
  child: RefreshToken,
  presented: string,
  live: { session: Session; user: User },
): Promise<TokenResponse> {
  const token = child.derivationSalt === null ? null : await deriveChildToken(presented, child.derivationSalt);
  if (token === null || (await sha256Base64Url(token)) !== child.tokenHash) throw new ApiError("invalid_refresh_token", INVALID_REFRESH);
  return tokenResponse(ctx, live.user, live.session, token);
}

export interface AuthenticatedAccess {
  claims: AccessClaims;
  session: Session;
  user: User;
}

/** The session and user behind a token, one query: built once per database binding, not per call. */
function sessionWithUser(db: AuthDatabase) {
  return db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sql.placeholder("sid")), eq(sessions.userId, sql.placeholder("sub"))))
    .prepare();
}
const sessionWithUserQueries = new WeakMap<AuthDatabase, ReturnType<typeof sessionWithUser>>();

/**
 * The full check of a user access token: the JWT itself, then that its session is live and its
 * user is neither gone nor disabled. A logout takes effect here at once.
 */
export async function authenticateAccessToken(ctx: AuthContext, token: string): Promise<AuthenticatedAccess> {
  const claims = await verifyAccessToken(token, await ctx.accessKeys(), ctx.config);
  // One prepared query for both rows: this runs for every uncached validation (every new socket).
  let query = sessionWithUserQueries.get(ctx.db);
  if (!query) sessionWithUserQueries.set(ctx.db, (query = sessionWithUser(ctx.db)));
  const found = await query.get({ sid: claims.sid, sub: claims.sub });
  if (!found) throw new TokenError("invalid_token", TOKEN_FAILURE_MESSAGES.invalid_token);
  const { session, user } = found;
  if (session.revokedAt !== null || user.disabledAt !== null) {
    throw new TokenError("token_revoked", TOKEN_FAILURE_MESSAGES.token_revoked);
  }
  return { claims, session, user };
}

export function findSession(ctx: AuthContext, id: string): Promise<Session | undefined> {
  return ctx.db.select().from(sessions).where(eq(sessions.id, id)).get();
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
