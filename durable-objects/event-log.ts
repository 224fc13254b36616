/**
 * @module
 * The session's resume log, in the object's own SQLite storage: every sequenced event with its
 * `seq`, bounded to the last MAX_EVENTS and MAX_AGE_MS. `seq` itself lives in a meta row, so it
 * keeps rising even when old events are trimmed away — and across the idle cleanup of the storage
 * (session-retention.ts keeps the last `seq` as SEQ_FLOOR_KEY), so a client resuming from before
 * the cleanup gets `resumed_from: null`, never events of a sequence that started again.
 *
 * It is on the path of every event, so it does little per append: the tables are created by the
 * first append (a session that never sends a message writes nothing), the object remembers the
 * last `seq` (it is the log's only writer), each append is one transaction, and old rows are
 * deleted every TRIM_INTERVAL appends — replay honours the bounds exactly either way.
 */

import { isStored, type FieldTypes } from "./stored-values.js";

export const MAX_LOGGED_EVENTS = 1000;
export const MAX_LOGGED_EVENT_AGE_MS = 24 * 3600 * 1000;
const TRIM_INTERVAL = 32;

export interface Replay {
  /** The `resume_after` honoured, or null when the log no longer reaches back that far. */
  resumedFrom: number | null;
  frames: string[];
}

export interface LogStorage {
  sql: SqlStorage;
  kv: SyncKvStorage;
  transactionSync<T>(closure: () => T): T;
}

/** Where the last `seq` of a log that was deleted is kept: a new log goes on from there. */
export const SEQ_FLOOR_KEY = "seq_floor";

export interface SeqFloor {
  seq: number;
  keptAtMs: number;
}

export const SEQ_FLOOR: FieldTypes<SeqFloor> = { seq: "number", keptAtMs: "number" };

export class EventLog {
  private tablesExist: boolean | null = null;
  private last: number | null = null;

  constructor(
    private readonly storage: LogStorage,
    private readonly limits = { maxEvents: MAX_LOGGED_EVENTS, maxAgeMs: MAX_LOGGED_EVENT_AGE_MS },
  ) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  private hasTables(): boolean {
    this.tablesExist ??= this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).toArray().length > 0;
    return this.tablesExist;
  }

  lastSeq(): number {
    if (this.last === null) {
      const row = this.hasTables()
        ? this.sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'last_seq'`).toArray()[0]
        : undefined;
      const floor: unknown = this.storage.kv.get(SEQ_FLOOR_KEY);
      this.last = row?.value ?? (isStored(floor, SEQ_FLOOR) ? floor.seq : 0);
    }
    return this.last;
  }

  /** Gives the frame the next `seq`, stores it (trimming now and then), and returns the frame as sent. */
  append(build: (seq: number) => string, nowMs = Date.now()): string {
    const seq = this.lastSeq() + 1;
    const frame = build(seq);
    this.storage.transactionSync(() => {
      if (!this.hasTables()) {
        this.sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, frame TEXT NOT NULL)`);
        this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
        // The meta row carries the sequence on from here.
        this.storage.kv.delete(SEQ_FLOOR_KEY);
      }
      this.sql.exec(`INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, seq);
      this.sql.exec(`INSERT INTO events (seq, created_at, frame) VALUES (?, ?, ?)`, seq, nowMs, frame);
      if (seq % TRIM_INTERVAL === 0) {
        this.sql.exec(`DELETE FROM events WHERE seq <= ? OR created_at < ?`, seq - this.limits.maxEvents, nowMs - this.limits.maxAgeMs);
      }
    });
    // Only once the transaction committed: a failed append leaves the sequence where it was.
    this.tablesExist = true;
    this.last = seq;
    return frame;
  }

  /** Every event with `seq > after`, in order, if the log (within its bounds) still holds all of them. */
  replayAfter(after: number, nowMs = Date.now()): Replay {
    const last = this.lastSeq();
    if (after > last) return { resumedFrom: null, frames: [] };
    if (after === last) return { resumedFrom: after, frames: [] };
    // Events before a cleanup are gone with it: the log starts at its floor.
    if (!this.hasTables()) return { resumedFrom: null, frames: [] };
    const oldest = this.sql
      .exec<{ seq: number | null }>(
        `SELECT MIN(seq) AS seq FROM events WHERE created_at >= ? AND seq > ?`,
        nowMs - this.limits.maxAgeMs,
        last - this.limits.maxEvents,
      )
      .toArray()[0]?.seq;
    if (oldest === undefined || oldest === null || oldest > after + 1) return { resumedFrom: null, frames: [] };
    const frames = this.sql
      .exec<{ frame: string }>(`SELECT frame FROM events WHERE seq > ? ORDER BY seq`, after)
      .toArray()
      .map((row) => row.frame);
    return { resumedFrom: after, frames };
  }
}
