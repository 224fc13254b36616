import { REVOKED_MARKER_RETENTION_MS } from "../workers/shared/rpc.js";
import { MAX_LOGGED_EVENT_AGE_MS, SEQ_FLOOR, SEQ_FLOOR_KEY, type SeqFloor } from "./event-log.js";
import { isStored, type FieldTypes } from "./stored-values.js";

/**
 * How long a session object keeps its storage once nobody uses it (docs/architecture.md, Environments).
 *
 * - Revoked: everything goes as soon as no socket is open and no run is in flight, except a small
 *   revocation marker. The marker is what refuses a connect with a token that still verifies (a
 *   connect checks the signature, not auth: docs/architecture.md), so it stays for the access-token
 *   lifetime plus the session-sync retry window — a push that arrived late still leaves it for as
 *   long as any token of the session can verify — then goes too.
 * - Idle (its sockets gone, not revoked — the session may have expired, or the user just left):
 *   everything goes once the resume log would have expired anyway, but the last `seq`: a client
 *   of a session that is still alive resumes from a number this object must never give again.
 *   That floor goes too once no session can be that old (SEQ_FLOOR_RETENTION_MS).
 * - "Idle" is counted by the alarm from the sockets the runtime holds, not from close events:
 *   sockets that vanished without one (a reset, a deploy) leave the object idle all the same.
 */
export { REVOKED_MARKER_RETENTION_MS };
export const IDLE_RETENTION_MS = MAX_LOGGED_EVENT_AGE_MS;
/** The longest a session lives by default (auth's SESSION_MAX_AGE_SECONDS, 30 days). */
export const SEQ_FLOOR_RETENTION_MS = 30 * 24 * 3600 * 1000;

const REVOKED_KEY = "revoked";
const IDLE_SINCE_KEY = "idle_since";

export interface RevokedMarker {
  reason: string;
  revokedAtMs: number;
}

const REVOKED_MARKER: FieldTypes<RevokedMarker> = { reason: "string", revokedAtMs: "number" };

/** A part of the object that caches what its storage holds (whether its tables exist, a last value). */
export interface StorageCache {
  /** The storage was deleted: what it cached of it is gone too. */
  forget(): void;
}

export class SessionRetention {
  constructor(private readonly storage: DurableObjectStorage) {}

  revoked(): RevokedMarker | null {
    const marker: unknown = this.storage.kv.get(REVOKED_KEY);
    return isStored(marker, REVOKED_MARKER) ? marker : null;
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

  /** What is left of a resume log that was deleted: its last `seq`, and when it was kept. */
  private seqFloor(): SeqFloor | null {
    const floor: unknown = this.storage.kv.get(SEQ_FLOOR_KEY);
    return isStored(floor, SEQ_FLOOR) ? floor : null;
  }

  /** When the storage may next be cleaned up, for an object with no open socket; null: never by itself. */
  cleanupAtMs(nowMs: number): number | null {
    // Once revoked, clean at once; cleanUp keeps the marker and says when it may go.
    if (this.revoked()) return nowMs;
    const idleSince: unknown = this.storage.kv.get(IDLE_SINCE_KEY);
    if (typeof idleSince === "number") return idleSince + IDLE_RETENTION_MS;
    const floor = this.seqFloor();
    // Neither: its sockets vanished without a close event, and cleanUp starts the idle time now.
    return floor ? floor.keptAtMs + SEQ_FLOOR_RETENTION_MS : nowMs;
  }

  /**
   * The alarm of an object with no open socket: once no run is in flight (`busyUntilMs` null; else
   * it looks again then), deletes what the retention allows (`stream.lastSeq()` the floor a new
   * resume log goes on from), tells `caches`, and sets the alarm for the next look (none when
   * nothing is left).
   */
  async cleanUpIdle(
    nowMs: number,
    busyUntilMs: number | null,
    stream: { lastSeq(): number },
    caches: readonly StorageCache[],
  ): Promise<void> {
    if (busyUntilMs !== null) return this.storage.setAlarm(busyUntilMs);
    const next = await this.cleanUp(nowMs, stream.lastSeq());
    for (const cache of caches) cache.forget();
    if (next !== null) await this.storage.setAlarm(next);
  }

  /**
   * Deletes what the retention allows, for an object with no open socket and no run in flight.
   * `lastSeq` is the resume log's. Returns when to look again, or null when nothing is left.
   */
  private async cleanUp(nowMs: number, lastSeq: number): Promise<number | null> {
    const revoked = this.revoked();
    if (revoked) {
      await this.deleteEverything();
      if (revoked.revokedAtMs + REVOKED_MARKER_RETENTION_MS <= nowMs) return null;
      this.storage.kv.put(REVOKED_KEY, revoked);
      return revoked.revokedAtMs + REVOKED_MARKER_RETENTION_MS;
    }
    const idleSince: unknown = this.storage.kv.get(IDLE_SINCE_KEY);
    if (typeof idleSince !== "number") {
      const floor = this.seqFloor();
      if (!floor) {
        // No socket, yet no close event said so (they vanished in a reset or a deploy): idle from now.
        this.setIdleSince(nowMs);
        return nowMs + IDLE_RETENTION_MS;
      }
      // Cleaned before and unused since: the floor goes once no session can be that old.
      if (floor.keptAtMs + SEQ_FLOOR_RETENTION_MS > nowMs) return floor.keptAtMs + SEQ_FLOOR_RETENTION_MS;
      await this.deleteEverything();
      return null;
    }
    if (idleSince + IDLE_RETENTION_MS > nowMs) return idleSince + IDLE_RETENTION_MS;
    await this.deleteEverything();
    this.storage.kv.put(SEQ_FLOOR_KEY, { seq: lastSeq, keptAtMs: nowMs } satisfies SeqFloor);
    return nowMs + SEQ_FLOOR_RETENTION_MS;
  }

  private async deleteEverything(): Promise<void> {
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
  }
}
