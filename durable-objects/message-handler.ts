/**
 * @module
 * What a session does with each valid client frame (all but `auth_refresh` and `ping`, which the
 * session object answers itself): checks the token's permissions, answers the thread frames, and turns a
 * `user_message` into one atomic D1 write, its `ack`, and a run in its thread's turn (run-queue.ts).
 */
import { errorKind, logEvent } from "../workers/shared/request-log.js";
import type { AppDatabase } from "../workers/app-data/db/client.js";
import { messageView, storeUserMessage, threadMessages } from "../workers/app-data/messages.js";
import { createThread, findOwnThread, listThreads, threadView } from "../workers/app-data/threads.js";
import type { MessageAuthor } from "../workers/app-data/users.js";
import type { ServerPayloads } from "@tether/protocol";
import type { ClientFrame } from "../workers/shared/client-frames.js";
import { USER_PERMISSIONS, type UserPermission } from "../workers/shared/tokens.js";
import type { RunQueue } from "./run-queue.js";
import type { SessionBudget } from "./session-budget.js";
import type { SessionChannel } from "./session-channel.js";

/** The socket a frame came in on, and what its token says. */
export interface FrameSource {
  ws: WebSocket;
  /** The login session (`sid`) whose object this is. */
  sessionId: string;
  author: MessageAuthor;
  /** The user permissions of the socket's token. */
  permissions: readonly string[];
}

export type HandledFrame = Exclude<ClientFrame, { type: "auth_refresh" | "ping" }>;

const MAX_THREADS_LISTED = 100;

/**
 * The user permissions each frame needs (docs/protocol.md, Tokens): a token without them gets
 * `error permission_denied` and nothing happens. (Ping needs none.)
 */
const FRAME_PERMISSIONS: Record<HandledFrame["type"], readonly UserPermission[]> = {
  user_message: [USER_PERMISSIONS.runAgents, USER_PERMISSIONS.writeThreads],
  cancel_run: [USER_PERMISSIONS.runAgents],
  create_thread: [USER_PERMISSIONS.writeThreads],
  list_threads: [USER_PERMISSIONS.readThreads],
  get_thread_history: [USER_PERMISSIONS.readThreads],
};

const threadNotFound: ServerPayloads["error"] = { code: "thread_not_found", message: "No such thread.", retryable: false };

export class FrameHandler {
  /**
   * @param runs the session's runs, or why there can be none (an `AGENT` that names no agent:
   *   every message is refused with `agent_unavailable` until the configuration is fixed).
   */
  constructor(
    private readonly db: AppDatabase,
    private readonly channel: SessionChannel,
    private readonly runs: RunQueue | { problem: string },
    private readonly budget: SessionBudget,
  ) {}

  async handle(frame: HandledFrame, source: FrameSource): Promise<void> {
    const routing = { replyTo: frame.id };
    const reply = this.channel.reply.bind(this.channel, source.ws);
    const missing = FRAME_PERMISSIONS[frame.type].filter((permission) => !source.permissions.includes(permission));
    if (missing.length > 0) {
      const message = `This needs the ${missing.join(", ")} permission.`;
      return reply("error", { code: "permission_denied", message, retryable: false }, routing);
    }
    switch (frame.type) {
      case "user_message":
        return this.userMessage(frame, source);
      case "cancel_run":
        if ("problem" in this.runs || !this.runs.cancel(frame.payload.run_id)) {
          return reply(
            "error",
            { code: "run_not_found", message: "No run of this session by that id is running.", retryable: false },
            routing,
          );
        }
        // The run itself answers: `agent_completed` with `status: "cancelled"`.
        return;
      case "create_thread": {
        const thread = await createThread(this.db, source.author, frame.payload.name);
        return this.channel.publish("thread_created", { thread: threadView(thread) }, { ...routing, threadId: thread.id });
      }
      case "list_threads": {
        const threads = await listThreads(this.db, source.author.userId, MAX_THREADS_LISTED);
        return reply("threads_list", { threads: threads.map(threadView) }, routing);
      }
      case "get_thread_history": {
        const thread = await findOwnThread(this.db, source.author.userId, frame.payload.thread_id);
        if (!thread) return reply("error", threadNotFound, routing);
        const history = await threadMessages(this.db, thread.id, frame.payload.limit);
        return reply("thread_history", { thread_id: thread.id, messages: history.map(messageView) }, { ...routing, threadId: thread.id });
      }
    }
  }

  private async userMessage(frame: Extract<HandledFrame, { type: "user_message" }>, source: FrameSource): Promise<void> {
    const replyTo = frame.id;
    const reply = this.channel.reply.bind(this.channel, source.ws);
    const runs = this.runs;
    if ("problem" in runs) {
      logEvent("error", "agent_unavailable", { problem: runs.problem });
      return reply(
        "error",
        { code: "agent_unavailable", message: "No agent is configured for this deployment; the message was not stored.", retryable: true },
        { replyTo },
      );
    }
    if (!this.budget.take("runs", Date.now())) {
      const message = "This session has sent too many messages; wait a few seconds. The message was not stored.";
      return reply("error", { code: "rate_limited", message, retryable: true }, { replyTo });
    }
    const requestedThread = frame.payload.thread_id;
    if (requestedThread !== undefined && !(await findOwnThread(this.db, source.author.userId, requestedThread))) {
      return reply("error", threadNotFound, { replyTo });
    }
    // A run that starts at once (idle thread, free slot): the history read with the message is then current.
    const startsAtOnce = runs.startsAtOnce(requestedThread);
    let stored;
    try {
      stored = await storeUserMessage(
        this.db,
        source.author,
        {
          clientId: frame.id,
          content: frame.payload.content,
          threadId: requestedThread,
          agentName: runs.agentName,
          status: startsAtOnce ? "running" : "queued",
          sessionId: source.sessionId,
        },
        runs.historyLimit,
      );
    } catch (error) {
      logEvent("error", "message_store_failed", { error: errorKind(error) });
      const failure: ServerPayloads["error"] = {
        code: "storage_failed",
        message: "The message was not stored; send it again with the same id.",
        retryable: true,
      };
      return reply("error", failure, { replyTo });
    }
    const routing = { replyTo, threadId: stored.threadId };
    this.channel.publish("ack", { message_id: stored.messageId, thread_id: stored.threadId, duplicate: stored.duplicate }, routing);
    // Idempotence is per user (docs/protocol.md "A message runs once"): the D1 row decides. Only a resend
    // in the session that owns the run, of a run a reset left unfinished and this object no longer
    // holds, runs it again; any other resend — from this session or another — is only acknowledged.
    const orphaned =
      stored.duplicate &&
      (stored.runStatus === "running" || stored.runStatus === "queued") &&
      stored.runSessionId === source.sessionId &&
      !runs.owns(stored.runId);
    if (stored.duplicate && !orphaned) return;
    await runs.enqueue(
      {
        runId: stored.runId,
        messageId: stored.messageId,
        replyTo,
        threadId: stored.threadId,
        content: frame.payload.content,
        author: source.author,
      },
      startsAtOnce && !stored.duplicate ? stored.history : undefined,
    );
  }
}
