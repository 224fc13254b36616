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

/** A run waits behind another of its thread (queued), runs, and ends completed, cancelled or failed. */
export type RunStatus = "queued" | "running" | "completed" | "cancelled" | "failed";

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

export type AppUser = typeof users.$inferSelect;
export type Thread = typeof threads.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type AgentRun = typeof agentRuns.$inferSelect;
