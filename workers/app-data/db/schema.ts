/**
 * @module
 * The app database (APP_DB). The session object writes it (one batch per inbound message, one
 * per run outcome); the backend's /api routes read it. It lives beside its writer.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const timestampMs = (name: string) => integer(name, { mode: "number" });

/** The backend's mirror of auth's users, provisioned on first sight of a valid token. */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull(),
  name: text("name").notNull(),
  /** As the auth Worker last said (the access token's `email_verified`). */
  emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
  createdAt: timestampMs("created_at").notNull(),
  updatedAt: timestampMs("updated_at").notNull(),
});

export const threads = sqliteTable(
  "threads",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    createdAt: timestampMs("created_at").notNull(),
    updatedAt: timestampMs("updated_at").notNull(),
  },
  (t) => [index("threads_user_id_updated_idx").on(t.userId, t.updatedAt)],
);

export type MessageRole = "user" | "assistant";

export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    threadId: text("thread_id")
      .notNull()
      .references(() => threads.id),
    /** The client's frame id: the idempotency key of a user message. Null for agent replies. */
    clientId: text("client_id"),
    role: text("role").$type<MessageRole>().notNull(),
    content: text("content").notNull(),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("messages_user_client_unique").on(t.userId, t.clientId),
    index("messages_thread_created_idx").on(t.threadId, t.createdAt),
  ],
);

/**
 * A run waits behind another of its thread (queued), runs, may wait for a person's answer to a
 * tool call (awaiting_approval), and ends completed, cancelled or failed.
 */
export type RunStatus = "queued" | "running" | "awaiting_approval" | "completed" | "cancelled" | "failed";

export const agentRuns = sqliteTable(
  "agent_runs",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    threadId: text("thread_id")
      .notNull()
      .references(() => threads.id),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id),
    agentName: text("agent_name").notNull(),
    status: text("status").$type<RunStatus>().notNull(),
    result: text("result"),
    error: text("error"),
    startedAt: timestampMs("started_at").notNull(),
    completedAt: timestampMs("completed_at"),
    durationMs: integer("duration_ms"),
    /**
     * The login session whose object runs it (the token's `sid`): only that object may restart a
     * run a reset left unfinished; a resend from any other session is a duplicate and nothing more.
     */
    sessionId: text("session_id"),
  },
  (t) => [
    uniqueIndex("agent_runs_message_unique").on(t.messageId),
    // Foreign keys' columns: without them, SQLite checks every run row when a user or thread row changes.
    index("agent_runs_user_id_idx").on(t.userId),
    index("agent_runs_thread_id_idx").on(t.threadId),
  ],
);

/** A tool call asked about (pending), answered (approved, denied), or never answered: expired, or its run ended (cancelled). */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "cancelled";

/** Every tool call a run asked a person about, and what they said: the record of who allowed what. */
export const toolApprovals = sqliteTable(
  "tool_approvals",
  {
    id: text("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => agentRuns.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    callId: text("call_id").notNull(),
    toolName: text("tool_name").notNull(),
    /** The call's input, JSON. */
    input: text("input").notNull(),
    status: text("status").$type<ApprovalStatus>().notNull(),
    /** The person's reason, if they gave one. */
    reason: text("reason"),
    /** The `id` of the `approve_tool` frame that answered. */
    answerId: text("answer_id"),
    requestedAt: timestampMs("requested_at").notNull(),
    decidedAt: timestampMs("decided_at"),
  },
  (t) => [index("tool_approvals_run_id_idx").on(t.runId), index("tool_approvals_user_id_idx").on(t.userId)],
);

export type AppUser = typeof users.$inferSelect;
export type Thread = typeof threads.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type AgentRun = typeof agentRuns.$inferSelect;
export type ToolApproval = typeof toolApprovals.$inferSelect;
