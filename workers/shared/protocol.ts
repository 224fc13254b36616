/**
 * @module
 * The WebSocket protocol of `/ws` (docs/protocol.md, WebSocket): constants and frame types shared by the
 * session object and the client SDK. Every frame is `{type, payload}` JSON text. The schemas that
 * validate client frames are in client-frames.ts, so the SDK gets the types without zod.
 */

export const PROTOCOL = "tether.v1";
export const BEARER_PROTOCOL_PREFIX = "bearer.";
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_MESSAGE_CONTENT_CHARS = 16_000;
export const MAX_THREAD_NAME_CHARS = 200;
export const MAX_HISTORY_LIMIT = 200;

export const CLOSE_CODES = {
  token_expired: 4001,
  session_revoked: 4003,
  unauthorized: 4401,
  rate_limited: 4008,
  frame_too_large: 1009,
  internal_error: 1011,
  server_restarting: 1012,
} as const;
export type CloseReasonCode = keyof typeof CLOSE_CODES;

/** Server → client payloads, one per frame type (the docs/protocol.md table). */
export interface ServerPayloads {
  connection_established: {
    user_id: string;
    session_id: string;
    token_expires_at: string;
    resumed_from: number | null;
    last_seq: number;
    server_time: string;
  };
  ack: { message_id: string; thread_id: string; duplicate: boolean };
  agent_started: { run_id: string; agent_name: string; timestamp: string };
  agent_thinking: { run_id: string; agent_name: string; thought: string; step_number?: number; total_steps?: number };
  tool_executing: { run_id: string; agent_name: string; tool_name: string; call_id: string; input: unknown; timestamp: string };
  tool_completed: {
    run_id: string;
    agent_name: string;
    tool_name: string;
    call_id: string;
    output?: unknown;
    error?: string;
    duration_ms: number;
  };
  partial_result: { run_id: string; agent_name: string; content: string; is_complete: boolean };
  final_report: { run_id: string; report: unknown; total_duration_ms: number };
  agent_completed: {
    run_id: string;
    agent_name: string;
    duration_ms: number;
    /** The answer; for a cancelled run, what the agent had written by then. */
    result: string;
    metrics?: Record<string, number>;
    status: "completed" | "cancelled";
    /** Why a cancelled run ended: the user's `cancel_run`, or the run's deadline. */
    reason?: "cancel_run" | "deadline";
  };
  thread_created: { thread: ThreadView };
  threads_list: { threads: ThreadView[] };
  thread_history: { thread_id: string; messages: MessageView[] };
  token_expiring: { expires_at: string };
  auth_refreshed: { token_expires_at: string };
  error: { code: string; message: string; retryable: boolean };
  pong: { server_time: string };
  /** Sent to every socket of a revoked session just before its 4003 close. */
  session_revoked: { reason: string };
}
export type ServerFrameType = keyof ServerPayloads;

export interface ServerFrame<T extends ServerFrameType = ServerFrameType> {
  type: T;
  /** Present on events of the session's shared stream (see SEQUENCED_FRAME_TYPES). */
  seq?: number;
  event_id: string;
  reply_to?: string;
  thread_id?: string;
  timestamp: string;
  payload: ServerPayloads[T];
}

/**
 * Frames of the session's shared stream: numbered by `seq`, sent to every socket of the session,
 * kept in the resume log. Replies that concern one socket only (connection_established,
 * threads_list, thread_history, token_expiring, auth_refreshed, pong, session_revoked, and errors
 * about a bad frame) carry no `seq`, so every tab sees the same gap-free sequence.
 */
export const SEQUENCED_FRAME_TYPES: ReadonlySet<ServerFrameType> = new Set<ServerFrameType>([
  "ack",
  "agent_started",
  "agent_thinking",
  "tool_executing",
  "tool_completed",
  "partial_result",
  "final_report",
  "agent_completed",
  "thread_created",
  "error",
]);

export interface ThreadView {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface MessageView {
  id: string;
  thread_id: string;
  role: "user" | "assistant";
  content: string;
  client_id: string | null;
  created_at: string;
}
