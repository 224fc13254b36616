/**
 * @module
 * The WebSocket protocol of `/ws` (docs/protocol.md, WebSocket): constants, the frames each way
 * and their payloads, close codes and error codes. Every frame is `{type, payload}` JSON text.
 * Server frames form a union discriminated by `type`, so a `switch (frame.type)` narrows the
 * payload. The server validates client frames with zod schemas of its own, so a client gets the
 * types without zod.
 */

export const PROTOCOL = "tether.v1";
export const BEARER_PROTOCOL_PREFIX = "bearer.";
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_MESSAGE_CONTENT_CHARS = 16_000;
export const MAX_THREAD_NAME_CHARS = 200;
export const MAX_HISTORY_LIMIT = 200;
/** The longest reason a person may give with `approve_tool`. */
export const MAX_APPROVAL_REASON_CHARS = 500;

export const CLOSE_CODES = {
  token_expired: 4001,
  session_revoked: 4003,
  unauthorized: 4401,
  /** An Agents SDK upgrade naming another user's instance (docs/agents-sdk.md). */
  forbidden: 4403,
  /** An Agents SDK upgrade whose instance name is malformed (docs/agents-sdk.md). */
  invalid_request: 4400,
  rate_limited: 4008,
  /** The session already holds WS_MAX_SOCKETS_PER_SESSION sockets. */
  too_many_sockets: 4008,
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
    /** `"denied"` for a call a person refused (with their `reason`), else what went wrong. */
    error?: string;
    reason?: string;
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
    /** Why a cancelled run ended: the user's `cancel_run`, the session's revocation, or the run's deadline. */
    reason?: "cancel_run" | "session_revoked" | "deadline" | "approval_expired";
  };
  thread_created: { thread: ThreadView };
  threads_list: { threads: ThreadView[] };
  thread_history: { thread_id: string; messages: MessageView[] };
  token_expiring: { expires_at: string };
  auth_refreshed: { token_expires_at: string };
  error: { code: SocketErrorCode; message: string; retryable: boolean };
  pong: { server_time: string };
  /** Sent to every socket of a revoked session just before its 4003 close. */
  session_revoked: { reason: string };
  /** A run reached a tool call that needs a person's yes; answer with `approve_tool`. */
  tool_approval_requested: { run_id: string; call_id: string; approval_id: string; tool_name: string; input: unknown };
  /** A service published an event for this user (`POST /api/events`). */
  notification: { name: string; data: unknown };
}
export type ServerFrameType = keyof ServerPayloads;

/**
 * A frame from the server. Without a type argument, the union of every frame, discriminated by
 * `type`; `ServerFrame<"ack">` is the one frame.
 */
export type ServerFrame<T extends ServerFrameType = ServerFrameType> = {
  [K in T]: {
    type: K;
    /** Present on events of the session's shared stream (see SEQUENCED_FRAME_TYPES). */
    seq?: number;
    /** The client `id` of the frame this answers or the message whose run it belongs to. */
    reply_to?: string;
    thread_id?: string;
    payload: ServerPayloads[K];
  } & (K extends LightFrameType ? { event_id?: undefined; timestamp?: undefined } : { event_id: string; timestamp: string });
}[T];

/**
 * Replies sent as `{type, reply_to, payload}` and nothing more: the `pong`, answered to every
 * heartbeat of every client, carries no `event_id` or `timestamp` (its `server_time` says when).
 */
export type LightFrameType = "pong";

/** Narrows a server frame by its type (the union's members differ only there). */
export function isFrameOf<K extends ServerFrameType>(frame: ServerFrame | undefined, type: K): frame is Extract<ServerFrame, { type: K }> {
  return frame?.type === type;
}

/** The `code` of an `error` frame (docs/protocol.md, WebSocket). */
export const SOCKET_ERROR_CODES = [
  // A bad frame: the socket stays open.
  "invalid_json",
  "invalid_frame",
  "unknown_type",
  "binary_not_supported",
  "permission_denied",
  "rate_limited",
  "thread_not_found",
  // A user_message that was not stored, or whose run failed.
  "storage_failed",
  "agent_unavailable",
  "run_failed",
  "run_interrupted",
  "run_not_found",
  // approve_tool
  "approval_not_found",
  // auth_refresh
  "token_mismatch",
  "invalid_token",
  "token_expired",
  "token_revoked",
  "auth_unavailable",
  "internal_error",
] as const;
export type SocketErrorCode = (typeof SOCKET_ERROR_CODES)[number];

/** Client → server payloads, one per frame type. */
export interface ClientPayloads {
  user_message: { content: string; thread_id?: string };
  cancel_run: { run_id: string };
  create_thread: { name: string };
  list_threads: Record<string, never>;
  get_thread_history: { thread_id: string; limit?: number };
  ping: Record<string, never>;
  auth_refresh: { token: string };
  /** The answer to a `tool_approval_requested`, from any socket of the session. */
  approve_tool: { approval_id: string; approved: boolean; reason?: string };
}
export type ClientFrameType = keyof ClientPayloads;

/**
 * A frame to the server: `{type, id, payload}`, the `id` the idempotency key and `reply_to` of the
 * answer. The server's schemas (workers/shared/client-frames.ts) must accept exactly these: a
 * compile-time check there fails `tsc` on the frame that drifts.
 */
export type ClientFrame<T extends ClientFrameType = ClientFrameType> = {
  [K in T]: { type: K; id: string; payload: ClientPayloads[K] };
}[T];

/** The frames answered by exactly one reply frame (or an `error`), and which. */
export interface RequestReplies {
  create_thread: "thread_created";
  list_threads: "threads_list";
  get_thread_history: "thread_history";
  ping: "pong";
}
export type RequestFrameType = keyof RequestReplies;
export const REQUEST_REPLIES: RequestReplies = {
  create_thread: "thread_created",
  list_threads: "threads_list",
  get_thread_history: "thread_history",
  ping: "pong",
};

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
  "tool_approval_requested",
  "notification",
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
