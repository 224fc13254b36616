/**
 * The session's resume log, in the object's own SQLite storage: every sequenced event with its
 * `seq`, bounded to the last MAX_EVENTS and MAX_AGE_MS. `seq` itself lives in a meta row, so it
 * keeps rising even when old events are trimmed away.
 */
export const MAX_LOGGED_EVENTS = 1000;
export const MAX_LOGGED_EVENT_AGE_MS = 24 * 3600 * 1000;

export interface Replay {
  /** The `resume_after` honoured, or null when the log no longer reaches back that far. */
  resumedFrom: number | null;
  frames: string[];
}

export class EventLog {
  constructor(
    private readonly sql: SqlStorage,
    private readonly limits = { maxEvents: MAX_LOGGED_EVENTS, maxAgeMs: MAX_LOGGED_EVENT_AGE_MS },
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, frame TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  lastSeq(): number {
    const row = this.sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'last_seq'`).toArray()[0];
    return row?.value ?? 0;
  }

  /** Gives the frame the next `seq`, stores it, trims the log, and returns the frame as sent. */
  append(build: (seq: number) => string, nowMs = Date.now()): string {
    const seq = this.lastSeq() + 1;
    const frame = build(seq);
    this.sql.exec(`INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, seq);
    this.sql.exec(`INSERT INTO events (seq, created_at, frame) VALUES (?, ?, ?)`, seq, nowMs, frame);
    this.sql.exec(`DELETE FROM events WHERE seq <= ? OR created_at < ?`, seq - this.limits.maxEvents, nowMs - this.limits.maxAgeMs);
    return frame;
  }

  /** Every event with `seq > after`, in order, if the log still holds all of them. */
  replayAfter(after: number, nowMs = Date.now()): Replay {
    const last = this.lastSeq();
    if (after > last) return { resumedFrom: null, frames: [] };
    if (after === last) return { resumedFrom: after, frames: [] };
    const oldest = this.sql
      .exec<{ seq: number }>(`SELECT MIN(seq) AS seq FROM events WHERE created_at >= ?`, nowMs - this.limits.maxAgeMs)
      .toArray()[0]?.seq;
    if (oldest === undefined || oldest === null || oldest > after + 1) return { resumedFrom: null, frames: [] };
    const frames = this.sql
      .exec<{ frame: string }>(`SELECT frame FROM events WHERE seq > ? ORDER BY seq`, after)
      .toArray()
      .map((row) => row.frame);
    return { resumedFrom: after, frames };
  }
}
