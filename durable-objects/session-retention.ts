import { ACCESS_TOKEN_MAX_AGE_SECONDS } from "../workers/shared/tokens.js";
import { MAX_LOGGED_EVENT_AGE_MS } from "./event-log.js";

/**
 * How long a session object keeps its storage once nobody uses it (docs/architecture.md, Environments).
 *
 * - Revoked: everything goes as soon as no socket is open and no run is in flight, except a small
 *   revocation marker. The marker refuses reconnects with tokens that are still valid somewhere —
 *   cached by another isolate, or checked locally while auth is down, which cannot see revocation —
 *   so it stays until no access token of the session can be valid at all, then goes too.
 * - Idle (its sockets gone, not revoked — the session may have expired, or the user just left):
 *   everything goes once the resume log would have expired anyway.
 */
export const REVOKED_MARKER_RETENTION_MS = ACCESS_TOKEN_MAX_AGE_SECONDS * 1000;
export const IDLE_RETENTION_MS = MAX_LOGGED_EVENT_AGE_MS;

const REVOKED_KEY = "revoked";
const IDLE_SINCE_KEY = "idle_since";

export interface RevokedMarker {
  reason: string;
  revokedAtMs: number;
}

function isRevokedMarker(value: unknown): value is RevokedMarker {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as RevokedMarker).reason === "string" &&
    typeof (value as RevokedMarker).revokedAtMs === "number"
  );
}

export class SessionRetention {
  constructor(private readonly storage: DurableObjectStorage) {}

  revoked(): RevokedMarker | null {
    const marker: unknown = this.storage.kv.get(REVOKED_KEY);
    return isRevokedMarker(marker) ? marker : null;
  }

  markRevoked(reason: string, nowMs: number): void {
    if (!this.revoked()) this.storage.kv.put(REVOKED_KEY, { reason, revokedAtMs: nowMs } satisfies RevokedMarker);
  }

  /** The last open socket went away now (or a socket connected: `null`). */
  setIdleSince(nowMs: number | null): void {
    // Every connect clears it: a read, and a write only when there is something to delete.
    if (nowMs === null) {
      if (this.storage.kv.get(IDLE_SINCE_KEY) !== undefined) this.storage.kv.delete(IDLE_SINCE_KEY);
    } else this.storage.kv.put(IDLE_SINCE_KEY, nowMs);
  }

  /** When the storage may next be cleaned up, for an object with no open socket; null: never by itself. */
  cleanupAtMs(nowMs: number): number | null {
    // Once revoked, clean at once; cleanUp keeps the marker and says when it may go.
    if (this.revoked()) return nowMs;
    const idleSince: unknown = this.storage.kv.get(IDLE_SINCE_KEY);
    return typeof idleSince === "number" ? idleSince + IDLE_RETENTION_MS : null;
  }

  /**
   * Deletes what the retention allows, for an object with no open socket and no run in flight.
   * Returns when to look again (the marker's expiry), or null when nothing is left.
   */
  async cleanUp(nowMs: number): Promise<number | null> {
    const revoked = this.revoked();
    const idleSince: unknown = this.storage.kv.get(IDLE_SINCE_KEY);
    if (!revoked && !(typeof idleSince === "number" && idleSince + IDLE_RETENTION_MS <= nowMs)) {
      return typeof idleSince === "number" ? idleSince + IDLE_RETENTION_MS : null;
    }
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
    if (revoked && revoked.revokedAtMs + REVOKED_MARKER_RETENTION_MS > nowMs) {
      this.storage.kv.put(REVOKED_KEY, revoked);
      return revoked.revokedAtMs + REVOKED_MARKER_RETENTION_MS;
    }
    return null;
  }
}
