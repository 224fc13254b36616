/**
 * @module
 * The runs a session object has in flight, in its own SQLite storage. A run ends by removing its
 * row; a row still there when the object starts again means the object was reset mid-run
 * (evicted, crashed, redeployed), and the run is then reported failed instead of being left
 * half-told: its events stop and nothing says why.
 */

export interface RunInFlight {
  runId: string;
  replyTo: string;
  threadId: string;
  userId: string;
  startedAt: number;
}

export class RunLedger {
  private tableExists: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {}

  private hasTable(): boolean {
    this.tableExists ??= this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs_in_flight'`).toArray().length > 0;
    return this.tableExists;
  }

  begin(run: RunInFlight): void {
    if (!this.hasTable()) {
      this.sql.exec(
        `CREATE TABLE IF NOT EXISTS runs_in_flight (run_id TEXT PRIMARY KEY, reply_to TEXT NOT NULL, thread_id TEXT NOT NULL, user_id TEXT NOT NULL, started_at INTEGER NOT NULL)`,
      );
      this.tableExists = true;
    }
    this.sql.exec(
      `INSERT OR REPLACE INTO runs_in_flight VALUES (?, ?, ?, ?, ?)`,
      run.runId,
      run.replyTo,
      run.threadId,
      run.userId,
      run.startedAt,
    );
  }

  end(runId: string): void {
    if (this.hasTable()) this.sql.exec(`DELETE FROM runs_in_flight WHERE run_id = ?`, runId);
  }

  /** Runs left by an earlier instance of this object. */
  inFlight(): RunInFlight[] {
    if (!this.hasTable()) return [];
    return this.sql
      .exec<{ run_id: string; reply_to: string; thread_id: string; user_id: string; started_at: number }>(`SELECT * FROM runs_in_flight`)
      .toArray()
      .map((row) => ({
        runId: row.run_id,
        replyTo: row.reply_to,
        threadId: row.thread_id,
        userId: row.user_id,
        startedAt: row.started_at,
      }));
  }
}
