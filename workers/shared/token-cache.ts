import { setNewest } from "./bounded-map.js";
import { sha256Base64Url } from "./crypto.js";
import type { RpcResult } from "./rpc.js";
import type { AccessClaims } from "./tokens.js";

/**
 * Validated claims, cached in the isolate and keyed by a hash of the token (never the token
 * itself). A positive entry lives min(ttl, time to `exp`); a rejection lives briefly. The TTL is
 * the revocation budget of HTTP routes: a revoked session is served from here for at most that
 * long. Bounded: expired entries are swept as new ones arrive, and past `maxEntries` the least
 * recently used entry goes first.
 */
export const DEFAULT_CACHE_TTL_SECONDS = 30;
export const NEGATIVE_CACHE_TTL_SECONDS = 5;
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  result: RpcResult<AccessClaims>;
  expiresAtMs: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: { ttlSeconds: number; maxEntries: number; negativeTtlSeconds?: number } = {
      ttlSeconds: DEFAULT_CACHE_TTL_SECONDS,
      maxEntries: DEFAULT_CACHE_MAX_ENTRIES,
    },
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.options.ttlSeconds > 0 && this.options.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key of a token: its SHA-256. Computed once per validation, for the lookup and the store. */
  static key(token: string): Promise<string> {
    return sha256Base64Url(token);
  }

  get(key: string): RpcResult<AccessClaims> | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert: Map keeps insertion order, so this marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.result;
  }

  set(key: string, result: RpcResult<AccessClaims>): void {
    if (!this.enabled) return;
    const nowMs = this.now();
    const ttlMs = result.ok
      ? Math.min(this.options.ttlSeconds * 1000, result.value.exp * 1000 - nowMs)
      : Math.min(this.options.ttlSeconds, this.options.negativeTtlSeconds ?? NEGATIVE_CACHE_TTL_SECONDS) * 1000;
    if (ttlMs <= 0) return;
    setNewest(this.entries, key, { result, expiresAtMs: nowMs + ttlMs }, this.options.maxEntries);
    this.sweepExpired(nowMs);
  }

  /**
   * Drops expired entries from the least recently used end, up to the first live one. A session
   * object sees a new token every refresh and asks for old ones never again: without this its
   * cache would keep every token of the session's life (the soak found that, as a steadily growing
   * heap). No entry outlives the TTL, so none blocks the sweep for longer than that: the cache
   * holds about what arrived in the last TTL, however long the isolate lives.
   */
  private sweepExpired(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) return;
      this.entries.delete(key);
    }
  }

  /** Drops one token at once, e.g. when this isolate forwards its logout. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
