/**
 * @module
 * How the backend and its session objects validate user tokens: a token cache in front, a
 * circuit breaker around the auth RPC, and — while auth is down — local verification against the
 * last JWKS seen (signature, exp, iss, aud, token_type; not revocation, hence "degraded").
 * A socket's connect and `auth_refresh` verify against the JWKS always (`verifyAccessToken`): the
 * session object, not auth, is the authority on revocation there.
 */
import { errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { AuthKeySets } from "./auth-key-sets.js";
import { AuthServiceCaller } from "./auth-service-caller.js";
import { BreakerOpenError, CircuitBreaker, type BreakerOptions, type BreakerState } from "./circuit-breaker.js";
import type { AuthServiceApi, LiveSessionPage, RpcResult } from "./rpc.js";
import { tokenFailureFromJoseError, TOKEN_FAILURE_MESSAGES } from "./token-errors.js";
import { TokenCache } from "./token-cache.js";
import {
  ACCESS_TOKEN_MAX_AGE_SECONDS,
  AccessClaimsSchema,
  isCanonicalCompactJws,
  jwtVerifyOptions,
  MAX_ACCESS_TOKEN_LENGTH,
  type AccessClaims,
  type TokenFailureCode,
} from "./tokens.js";

export interface AuthGatewayOptions {
  serviceId: string;
  serviceSecret: string;
  issuer: string;
  audience: string;
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  breaker: BreakerOptions;
}

export type TokenValidation =
  | { ok: true; claims: AccessClaims; degraded: boolean }
  | { ok: false; code: TokenFailureCode; message: string }
  | { ok: false; code: "auth_unavailable"; message: string; retryAfterSeconds: number };

const USER_TOKEN_VERDICTS = new Set<string>(["invalid_token", "token_expired", "token_revoked"]);

/**
 * An RPC answer that says auth itself failed (an exception, a timeout, a malformed answer, an
 * `internal_error`, our own service token refused), as opposed to a verdict about the token.
 */
function isAuthFailure(result: RpcResult<unknown>): boolean {
  return !result.ok && !USER_TOKEN_VERDICTS.has(result.error.code);
}

export class AuthGateway {
  private readonly cache: TokenCache;
  private readonly breaker: CircuitBreaker;
  private readonly caller: AuthServiceCaller;
  private readonly keySets: AuthKeySets;

  constructor(
    auth: AuthServiceApi,
    private readonly options: AuthGatewayOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.caller = new AuthServiceCaller(auth, { serviceId: options.serviceId, serviceSecret: options.serviceSecret });
    this.cache = new TokenCache({ ttlSeconds: options.cacheTtlSeconds, maxEntries: options.cacheMaxEntries }, now);
    this.breaker = new CircuitBreaker(options.breaker, now);
    this.keySets = new AuthKeySets(() => this.breaker.call(() => this.caller.jwks(), isAuthFailure), now);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Drops `token`'s cached verdict at once, e.g. when this isolate forwards its logout. */
  async forget(token: string): Promise<void> {
    if (this.cache.enabled) this.cache.forget(await TokenCache.key(token));
  }

  async validate(token: string, options: { bypassCache?: boolean } = {}): Promise<TokenValidation> {
    // Refused here, not by auth: a caller's junk is a verdict about the caller, never a failure
    // of auth that the breaker would count (enough of it would open the breaker for everyone).
    if (!isWellFormed(token)) return INVALID_TOKEN;
    const key = this.cache.enabled ? await TokenCache.key(token) : null;
    if (key !== null && !options.bypassCache) {
      const cached = this.cache.get(key);
      if (cached) return this.fromResult(cached);
    }
    let result: RpcResult<AccessClaims>;
    try {
      result = await this.breaker.call(() => this.caller.validateAccessToken(token), isAuthFailure);
    } catch (error) {
      return this.validateLocally(token, error instanceof BreakerOpenError ? error.retryAfterSeconds : undefined);
    }
    if (isAuthFailure(result)) return this.validateLocally(token);
    if (key !== null) this.cache.set(key, result);
    // Keeps the keys for the degraded path fresh; a failure here never fails the request.
    if (result.ok) await this.keySets.current();
    return this.fromResult(result);
  }

  /**
   * One page of a user's live session ids, behind the breaker like every auth call. A failure of
   * auth (or an open breaker) is `auth_unavailable` with when to try again.
   */
  async liveSessionIds(
    userId: string,
    after: string | null,
  ): Promise<{ ok: true; page: LiveSessionPage } | { ok: false; code: string; retryAfterSeconds: number }> {
    try {
      const result = await this.breaker.call(() => this.caller.liveSessionIds(userId, after), isAuthFailure);
      if (result.ok) return { ok: true, page: result.value };
      return { ok: false, code: result.error.code, retryAfterSeconds: this.breaker.retryAfterSeconds() };
    } catch (error) {
      if (error instanceof BreakerOpenError) return { ok: false, code: "breaker_open", retryAfterSeconds: error.retryAfterSeconds };
      return { ok: false, code: "call_failed", retryAfterSeconds: this.breaker.retryAfterSeconds() };
    }
  }

  /**
   * The auth Worker's service-token keys, for verifying its calls to us: the same loader as the
   * degraded path's, refetched when stale or when `refresh` is set (a key we have not seen yet).
   */
  async serviceKeySet(options: { refresh?: boolean } = {}): Promise<JWTVerifyGetKey | null> {
    return (await this.keySets.current(options))?.service ?? null;
  }

  private fromResult(result: RpcResult<AccessClaims>): TokenValidation {
    if (result.ok) return { ok: true, claims: result.value, degraded: false };
    const code = result.error.code as TokenFailureCode;
    return { ok: false, code, message: TOKEN_FAILURE_MESSAGES[code] ?? result.error.message };
  }

  /**
   * A socket's connect or `auth_refresh` (docs/architecture.md, Connect): signature, `exp`, `iss`,
   * `aud`, `token_type` and `sid` checked here against the auth Worker's keys — fetched once per
   * isolate, refetched when stale or for a key not seen yet — with no auth call per token. Whether
   * the session was revoked is the session object's to say. No keys ever fetched, and auth down:
   * `auth_unavailable`.
   */
  async verifyAccessToken(token: string): Promise<TokenValidation> {
    if (!isWellFormed(token)) return INVALID_TOKEN;
    const keys = await this.keySets.current();
    if (!keys) return this.unavailable(this.breaker.retryAfterSeconds());
    const verdict = await this.verifyWith(keys.access, token);
    if (verdict !== "unknown_key") return verdict;
    // Signed with a key we do not hold: auth may have rotated since we fetched.
    const fresh = await this.keySets.afterUnknownKey();
    const retried = fresh ? await this.verifyWith(fresh.access, token) : "unknown_key";
    return retried === "unknown_key" ? INVALID_TOKEN : retried;
  }

  private async validateLocally(token: string, retryAfterSeconds?: number): Promise<TokenValidation> {
    // Auth is down: the keys last seen, however old, and no call to fetch newer ones.
    const keys = this.keySets.last;
    if (!keys) return this.unavailable(retryAfterSeconds ?? this.breaker.retryAfterSeconds());
    const verdict = await this.verifyWith(keys.access, token);
    if (verdict === "unknown_key") return INVALID_TOKEN;
    return verdict.ok ? { ...verdict, degraded: true } : verdict;
  }

  private unavailable(retryAfterSeconds: number): TokenValidation {
    return { ok: false, code: "auth_unavailable", message: "The auth service is unavailable.", retryAfterSeconds };
  }

  /** One check of `token` against `keys`; "unknown_key" when its `kid` is not among them. */
  private async verifyWith(keys: JWTVerifyGetKey, token: string): Promise<TokenValidation | "unknown_key"> {
    try {
      const { payload } = await jwtVerify(
        token,
        keys,
        jwtVerifyOptions({
          issuer: this.options.issuer,
          audience: this.options.audience,
          maxAgeSeconds: ACCESS_TOKEN_MAX_AGE_SECONDS,
          requiredClaims: ["exp", "iat", "jti", "sub", "sid"],
          currentDate: new Date(this.now()),
        }),
      );
      const claims = AccessClaimsSchema.safeParse(payload);
      if (!claims.success) return INVALID_TOKEN;
      return { ok: true, claims: claims.data, degraded: false };
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return "unknown_key";
      const code = tokenFailureFromJoseError(error);
      return { ok: false, code, message: TOKEN_FAILURE_MESSAGES[code] };
    }
  }
}

const INVALID_TOKEN: TokenValidation = { ok: false, code: "invalid_token", message: TOKEN_FAILURE_MESSAGES.invalid_token };

function isWellFormed(token: string): boolean {
  return token.length <= MAX_ACCESS_TOKEN_LENGTH && isCanonicalCompactJws(token);
}
