/**
 * @module
 * The runs of a session that wait for a person's answer, in the object's own SQLite storage: the
 * run, how far it had got, the agent's state, and each call it asked about with its answer once
 * given. Nothing of a wait lives only in memory, so it survives hibernation, a reset of the object,
 * and an answer from any socket of the session (docs/tools.md, "Tools that ask first").
 */
import type { ApprovalDecision } from "./agents/agent.js";
import type { RunProgress } from "./agents/runner.js";
import type { RequestedApproval } from "../workers/app-data/approvals.js";
import type { PendingRun } from "./run-ledger.js";

export interface WaitingRun {
  run: PendingRun;
  /** The agent that asked: the `agent_name` of the run's later events. */
  agentName: string;
  progress: RunProgress;
  state: unknown;
  expiresAtMs: number;
}

export interface StoredApproval extends RequestedApproval {
  runId: string;
  threadId: string;
  replyTo: string;
  expiresAtMs: number;
  /** Null until answered. */
  decision: { approved: boolean; reason?: string; answerId: string } | null;
}

interface WaitingRunRow extends Record<string, SqlStorageValue> {
  run_id: string;
  run: string;
  agent_name: string;
  progress: string;
  state: string;
  expires_at: number;
}

interface ApprovalRow extends Record<string, SqlStorageValue> {
  approval_id: string;
  run_id: string;
  call_id: string;
  tool_name: string;
  input: string;
  approved: number | null;
  reason: string | null;
  answer_id: string | null;
}

export class ApprovalLedger {
  private tablesExist: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {}

  private hasTables(): boolean {
    this.tablesExist ??= this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'waiting_runs'`).toArray().length > 0;
    return this.tablesExist;
  }

  /** The run stops to wait for `requests`, until `expiresAtMs`. */
  wait(waiting: WaitingRun, requests: readonly RequestedApproval[]): void {
    if (!this.hasTables()) {
      this.sql
        .exec(`CREATE TABLE IF NOT EXISTS waiting_runs (run_id TEXT PRIMARY KEY, run TEXT NOT NULL, agent_name TEXT NOT NULL, progress TEXT NOT NULL,
        state TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS approvals (approval_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, call_id TEXT NOT NULL,
        tool_name TEXT NOT NULL, input TEXT NOT NULL, approved INTEGER, reason TEXT, answer_id TEXT)`);
      this.tablesExist = true;
    }
    const { run, agentName, progress, state, expiresAtMs } = waiting;
    this.sql.exec(
      `INSERT OR REPLACE INTO waiting_runs VALUES (?, ?, ?, ?, ?, ?)`,
      run.runId,
      JSON.stringify(run),
      agentName,
      JSON.stringify(progress),
      JSON.stringify(state ?? null),
      expiresAtMs,
    );
    for (const request of requests) {
      this.sql.exec(
        `INSERT INTO approvals (approval_id, run_id, call_id, tool_name, input) VALUES (?, ?, ?, ?, ?)`,
        request.approvalId,
        run.runId,
        request.callId,
        request.toolName,
        JSON.stringify(request.input ?? null),
      );
    }
  }

  /** The approval and its run, if this session's object holds it. */
  find(approvalId: string): StoredApproval | null {
    if (!this.hasTables()) return null;
    const row = this.sql
      .exec<ApprovalRow & { run: string; expires_at: number }>(
        `SELECT approvals.*, waiting_runs.run, waiting_runs.expires_at FROM approvals
          JOIN waiting_runs ON waiting_runs.run_id = approvals.run_id WHERE approval_id = ?`,
        approvalId,
      )
      .toArray()[0];
    if (!row) return null;
    const run = JSON.parse(row.run) as PendingRun;
    return { ...approvalOf(row), threadId: run.threadId, replyTo: run.replyTo, expiresAtMs: row.expires_at };
  }

  /** Records the answer; true when it was the run's last open question. */
  decide(approvalId: string, decision: { approved: boolean; reason?: string; answerId: string }): boolean {
    this.sql.exec(
      `UPDATE approvals SET approved = ?, reason = ?, answer_id = ? WHERE approval_id = ?`,
      decision.approved ? 1 : 0,
      decision.reason ?? null,
      decision.answerId,
      approvalId,
    );
    const [open] = this.sql
      .exec<{ open: number }>(
        `SELECT COUNT(*) AS open FROM approvals WHERE approved IS NULL AND run_id = (SELECT run_id FROM approvals WHERE approval_id = ?)`,
        approvalId,
      )
      .toArray();
    return open?.open === 0;
  }

  /** Takes an answer back: D1 could not store it, so nothing changed. */
  undecide(approvalId: string): void {
    this.sql.exec(`UPDATE approvals SET approved = NULL, reason = NULL, answer_id = NULL WHERE approval_id = ?`, approvalId);
  }

  /** The waiting run with its answers (in the order asked), to go on or to end. */
  read(runId: string): (WaitingRun & { decisions: ApprovalDecision[] }) | null {
    if (!this.hasTables()) return null;
    const row = this.sql.exec<WaitingRunRow>(`SELECT * FROM waiting_runs WHERE run_id = ?`, runId).toArray()[0];
    if (!row) return null;
    const decisions = this.sql
      .exec<ApprovalRow>(`SELECT * FROM approvals WHERE run_id = ? ORDER BY rowid`, runId)
      .toArray()
      .flatMap((approval): ApprovalDecision[] => {
        const stored = approvalOf(approval);
        if (!stored.decision) return [];
        const { approved, reason } = stored.decision;
        return [
          { callId: stored.callId, toolName: stored.toolName, input: stored.input, approved, ...(reason === undefined ? {} : { reason }) },
        ];
      });
    return {
      run: JSON.parse(row.run) as PendingRun,
      agentName: row.agent_name,
      progress: JSON.parse(row.progress) as RunProgress,
      state: JSON.parse(row.state) as unknown,
      expiresAtMs: row.expires_at,
      decisions,
    };
  }

  /** The run goes on or has ended: it waits no more. */
  remove(runId: string): void {
    if (!this.hasTables()) return;
    this.sql.exec(`DELETE FROM approvals WHERE run_id = ?`, runId);
    this.sql.exec(`DELETE FROM waiting_runs WHERE run_id = ?`, runId);
  }

  /** Every waiting run's id, oldest first. */
  waitingRunIds(): string[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<{ run_id: string }>(`SELECT run_id FROM waiting_runs ORDER BY rowid`)
      .toArray()
      .map((row) => row.run_id);
  }

  /** The runs whose wait has run out by `nowMs`. */
  expiredRunIds(nowMs: number): string[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<{ run_id: string }>(`SELECT run_id FROM waiting_runs WHERE expires_at <= ? ORDER BY expires_at`, nowMs)
      .toArray()
      .map((row) => row.run_id);
  }

  /** When the next wait runs out, for the object's one alarm. */
  nextExpiryMs(): number | null {
    if (!this.hasTables()) return null;
    const [row] = this.sql.exec<{ next: number | null }>(`SELECT MIN(expires_at) AS next FROM waiting_runs`).toArray();
    return row?.next ?? null;
  }

  /** After the storage was deleted (session-retention.ts): the tables went with it. */
  forget(): void {
    this.tablesExist = null;
  }
}

function approvalOf(row: ApprovalRow): Omit<StoredApproval, "threadId" | "replyTo" | "expiresAtMs"> {
  return {
    approvalId: row.approval_id,
    runId: row.run_id,
    callId: row.call_id,
    toolName: row.tool_name,
    input: JSON.parse(row.input) as unknown,
    decision:
      row.approved === null
        ? null
        : { approved: row.approved === 1, answerId: row.answer_id ?? "", ...(row.reason === null ? {} : { reason: row.reason }) },
  };
}
