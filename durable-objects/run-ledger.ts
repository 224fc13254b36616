/**
 * @module
 * The runs a session object owes, in its own SQLite storage: each acknowledged message's run from
 * the moment it is queued until it has ended. A row left when the object starts again means it
 * was reset (evicted, crashed, redeployed): a run that had started is reported interrupted; one
 * still waiting its turn runs then. Either way the client hears about every message it was told
 * was stored — never silence.
 */
import type { MessageAuthor } from "../workers/app-data/users.js";

export interface PendingRun {
  runId: string;
  /** The stored user message the run answers. */
  messageId: string;
  /** The client's id of that message: every event of the run carries it as `reply_to`. */
  replyTo: string;
  threadId: string;
  content: string;
  author: MessageAuthor;
  queuedAt: number;
  /** Null while it waits behind another run of its thread. */
  startedAt: number | null;
}

interface PendingRunRow extends Record<string, SqlStorageValue> {
  run_id: string;
  message_id: string;
  reply_to: string;
  thread_id: string;
  content: string;
  author: string;
  queued_at: number;
  started_at: number | null;
}

export class RunLedger {
  private tableExists: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {}

  private hasTable(): boolean {
    this.tableExists ??= this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pending_runs'`).toArray().length > 0;
    return this.tableExists;
  }

  add(run: PendingRun): void {
    if (!this.hasTable()) {
      this.sql.exec(
        `CREATE TABLE IF NOT EXISTS pending_runs (run_id TEXT PRIMARY KEY, message_id TEXT NOT NULL, reply_to TEXT NOT NULL,
          thread_id TEXT NOT NULL, content TEXT NOT NULL, author TEXT NOT NULL, queued_at INTEGER NOT NULL, started_at INTEGER)`,
      );
      this.tableExists = true;
    }
    this.sql.exec(
      `INSERT OR REPLACE INTO pending_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      run.runId,
      run.messageId,
      run.replyTo,
      run.threadId,
      run.content,
      JSON.stringify(run.author),
      run.queuedAt,
      run.startedAt,
    );
  }

  start(runId: string, nowMs: number): void {
    if (this.hasTable()) this.sql.exec(`UPDATE pending_runs SET started_at = ? WHERE run_id = ?`, nowMs, runId);
  }

  end(runId: string): void {
    if (this.hasTable()) this.sql.exec(`DELETE FROM pending_runs WHERE run_id = ?`, runId);
  }

  has(runId: string): boolean {
    return this.hasTable() && this.sql.exec(`SELECT 1 FROM pending_runs WHERE run_id = ?`, runId).toArray().length > 0;
  }

  /** After the storage was deleted (session-retention.ts): the table went with it. */
  forget(): void {
    this.tableExists = null;
  }

  /** Every run owed, in the order they were queued. */
  pending(): PendingRun[] {
    if (!this.hasTable()) return [];
    return this.sql
      .exec<PendingRunRow>(`SELECT * FROM pending_runs ORDER BY queued_at, rowid`)
      .toArray()
      .map((row) => ({
        runId: row.run_id,
        messageId: row.message_id,
        replyTo: row.reply_to,
        threadId: row.thread_id,
        content: row.content,
        author: JSON.parse(row.author) as MessageAuthor,
        queuedAt: row.queued_at,
        startedAt: row.started_at,
      }));
  }
}
