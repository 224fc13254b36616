/**
 * @module
 * The auth Worker's public keys as the backend and its session objects hold them: one loader for
 * both sets, fetched together over the `jwks` RPC. Its two consumers are the gateway's degraded
 * local check (the access keys) and `SessionControl` verifying the auth Worker's calls (the
 * service keys); both read the same fetch, so a rotation reaches them at the same time.
 */
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import type { RpcResult, SigningKeySets } from "./rpc.js";

/** Keys are refetched when this old, so a rotation reaches the degraded path in time. */
export const KEY_SETS_REFRESH_MS = 5 * 60_000;
/**
 * A token naming a key we have not seen refetches the keys at most this often: a rotation reaches
 * us within it, and tokens with made-up `kid`s cannot turn into one auth call each.
 */
export const UNKNOWN_KEY_REFETCH_MS = 10_000;

export interface VerificationKeys {
  /** Verifies user access tokens (the same set as /.well-known/jwks.json). */
  access: JWTVerifyGetKey;
  /** Verifies the auth Worker's service tokens. */
  service: JWTVerifyGetKey;
}

export class AuthKeySets {
  private held: { keys: VerificationKeys; fetchedAtMs: number } | null = null;
  private pending: Promise<VerificationKeys | null> | null = null;
  private unknownKeyRefetchAtMs = Number.NEGATIVE_INFINITY;

  /** `fetchKeySets` is the `jwks` call, behind the caller's breaker: it may throw or answer a failure. */
  constructor(
    private readonly fetchKeySets: () => Promise<RpcResult<SigningKeySets>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The keys last fetched, however old, without calling auth: what the degraded path verifies with. */
  get last(): VerificationKeys | null {
    return this.held?.keys ?? null;
  }

  /**
   * The keys, fetched first when older than KEY_SETS_REFRESH_MS or when `refresh` is set (a token
   * signed with a key we have not seen yet). Concurrent callers share one fetch. Null only while
   * no fetch has ever succeeded.
   */
  async current(options: { refresh?: boolean } = {}): Promise<VerificationKeys | null> {
    if (this.held && !options.refresh && this.now() - this.held.fetchedAtMs < KEY_SETS_REFRESH_MS) return this.held.keys;
    this.pending ??= this.refetch().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /**
   * The keys again for a token signed with a key that `current()` did not hold: refetched unless
   * that happened less than UNKNOWN_KEY_REFETCH_MS ago; null when no refetch was allowed or none
   * has ever succeeded (the token then stays unverifiable).
   */
  async afterUnknownKey(): Promise<VerificationKeys | null> {
    const nowMs = this.now();
    if (nowMs - this.unknownKeyRefetchAtMs < UNKNOWN_KEY_REFETCH_MS) return null;
    this.unknownKeyRefetchAtMs = nowMs;
    return this.current({ refresh: true });
  }

  private async refetch(): Promise<VerificationKeys | null> {
    try {
      const sets = await this.fetchKeySets();
      if (sets.ok) {
        const keys = { access: createLocalJWKSet(sets.value.access), service: createLocalJWKSet(sets.value.service) };
        this.held = { keys, fetchedAtMs: this.now() };
      }
    } catch {
      // Keep what we had: a stale key set still verifies tokens signed with it.
    }
    return this.last;
  }
}
