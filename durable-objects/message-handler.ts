import type { ClientFrame } from "../workers/shared/client-frames.js";
import type { ServerFrameType, ServerPayloads } from "../workers/shared/protocol.js";
import { USER_PERMISSIONS, type UserPermission } from "../workers/shared/tokens.js";
import type { Agent, Tool } from "./agents/agent.js";
import { runAgent } from "./agents/run-agent.js";
import type { AppDatabase } from "../workers/app-data/db/client.js";
import type { FrameRouting } from "./frames.js";
import { createThread, storeRunOutcome, storeUserMessage, type MessageAuthor } from "../workers/app-data/message-store.js";
import type { RunLedger } from "./run-ledger.js";
import { findOwnThread, listThreads, messageView, threadMessages, threadView } from "../workers/app-data/threads.js";

/** How a handler talks back: to the socket that sent the frame, or to the whole session. */
export interface SessionChannel {
  author: MessageAuthor;
  /** The user permissions of the socket's token. */
  permissions: readonly string[];
  /** To this socket only, without `seq` (replies that concern one socket). */
  reply<T extends ServerFrameType>(type: T, payload: ServerPayloads[T], routing?: FrameRouting): void;
  /** Onto the session's shared stream: numbered, logged for resume, sent to every socket. */
  publish<T extends ServerFrameType>(type: T, payload: ServerPayloads[T], routing?: FrameRouting): void;
  /** Swaps this socket's token for a fresh one of the same user and session. */
  refreshToken(token: string, replyTo: string): Promise<void>;
}

const MAX_THREADS_LISTED = 100;

/**
 * The user permissions each frame needs (docs/protocol.md, Tokens): a token without them gets
 * `error permission_denied` and nothing happens. Ping and in-band refresh need none.
 */
const FRAME_PERMISSIONS: Record<ClientFrame["type"], readonly UserPermission[]> = {
  user_message: [USER_PERMISSIONS.runAgents, USER_PERMISSIONS.writeThreads],
  create_thread: [USER_PERMISSIONS.writeThreads],
  list_threads: [USER_PERMISSIONS.readThreads],
  get_thread_history: [USER_PERMISSIONS.readThreads],
  ping: [],
  auth_refresh: [],
};

/**
 * Handles validated client frames for one session. Runs of a thread are serialized: a second
 * message to a busy thread starts its run when the first run has ended.
 */
export class FrameHandler {
  private readonly threadQueues = new Map<string, Promise<void>>();

  constructor(
    private readonly db: AppDatabase,
    private readonly agent: Agent,
    private readonly tools: readonly Tool[],
    private readonly ledger: RunLedger,
  ) {}

  async handle(frame: ClientFrame, channel: SessionChannel): Promise<void> {
    const routing = { replyTo: frame.id };
    const missing = FRAME_PERMISSIONS[frame.type].filter((permission) => !channel.permissions.includes(permission));
    if (missing.length > 0) {
      return channel.reply(
        "error",
        { code: "permission_denied", message: `This needs the ${missing.join(", ")} permission.`, retryable: false },
        routing,
      );
    }
    switch (frame.type) {
      case "ping":
        return channel.reply("pong", { server_time: new Date().toISOString() }, routing);
      case "user_message":
        return this.userMessage(frame, channel);
      case "create_thread": {
        const thread = await createThread(this.db, channel.author, frame.payload.name);
        return channel.publish("thread_created", { thread: threadView(thread) }, { ...routing, threadId: thread.id });
      }
      case "list_threads": {
        const threads = await listThreads(this.db, channel.author.userId, MAX_THREADS_LISTED);
        return channel.reply("threads_list", { threads: threads.map(threadView) }, routing);
      }
      case "get_thread_history": {
        const thread = await findOwnThread(this.db, channel.author.userId, frame.payload.thread_id);
        if (!thread) return channel.reply("error", threadNotFound, routing);
        const history = await threadMessages(this.db, thread.id, frame.payload.limit);
        return channel.reply(
          "thread_history",
          { thread_id: thread.id, messages: history.map(messageView) },
          { ...routing, threadId: thread.id },
        );
      }
      case "auth_refresh":
        return channel.refreshToken(frame.payload.token, frame.id);
    }
  }

  private async userMessage(frame: Extract<ClientFrame, { type: "user_message" }>, channel: SessionChannel): Promise<void> {
    const replyTo = frame.id;
    const requestedThread = frame.payload.thread_id;
    if (requestedThread !== undefined && !(await findOwnThread(this.db, channel.author.userId, requestedThread))) {
      return channel.reply("error", threadNotFound, { replyTo });
    }
    let stored;
    try {
      stored = await storeUserMessage(this.db, channel.author, {
        clientId: frame.id,
        content: frame.payload.content,
        threadId: requestedThread,
        agentName: this.agent.name,
      });
    } catch (error) {
      console.error("storing a user message failed", error instanceof Error ? error.message : typeof error);
      return channel.reply(
        "error",
        { code: "storage_failed", message: "The message was not stored; send it again with the same id.", retryable: true },
        { replyTo },
      );
    }
    const routing = { replyTo, threadId: stored.threadId };
    channel.publish("ack", { message_id: stored.messageId, thread_id: stored.threadId, duplicate: stored.duplicate }, routing);
    if (stored.duplicate) return;
    await this.serialized(stored.threadId, () => this.run(frame.payload.content, stored.runId, channel, routing));
  }

  private async run(content: string, runId: string, channel: SessionChannel, routing: { replyTo: string; threadId: string }) {
    const run = { runId, userId: channel.author.userId, threadId: routing.threadId };
    const startedAt = Date.now();
    this.ledger.begin({ ...run, replyTo: routing.replyTo, startedAt });
    try {
      const outcome = await runAgent(this.agent, { content, threadId: routing.threadId }, this.tools, runId, (type, payload) =>
        channel.publish(type, payload, routing),
      );
      await storeRunOutcome(this.db, { ...run, durationMs: outcome.durationMs }, { ok: true, result: outcome.result });
      channel.publish(
        "agent_completed",
        { run_id: runId, agent_name: this.agent.name, duration_ms: outcome.durationMs, result: outcome.result, metrics: outcome.metrics },
        routing,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : "the run failed";
      console.error("agent run failed", reason);
      await storeRunOutcome(this.db, { ...run, durationMs: Date.now() - startedAt }, { ok: false, error: reason }).catch(() => undefined);
      channel.publish("error", { code: "run_failed", message: "The agent run failed.", retryable: true }, routing);
    } finally {
      this.ledger.end(runId);
    }
  }

  private serialized(threadId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.threadQueues.get(threadId) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.threadQueues.set(threadId, next);
    return next.finally(() => {
      if (this.threadQueues.get(threadId) === next) this.threadQueues.delete(threadId);
    });
  }
}

const threadNotFound = { code: "thread_not_found", message: "No such thread.", retryable: false };
