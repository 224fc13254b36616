/**
 * @module
 * What a session does with each valid client frame (all but `auth_refresh` and `ping`, which the
 * frame gate answers itself): checks the token's permissions, answers the thread frames, and hands
 * a `user_message` to the session's runs (session-runs.ts), a `cancel_run` to its run, and an
 * `approve_tool` to the run that waits for it.
 */
import type { AppDatabase } from "../workers/app-data/db/client.js";
import { messageView, threadMessages } from "../workers/app-data/messages.js";
import { createThread, findOwnThread, listThreads, threadView } from "../workers/app-data/threads.js";
import type { MessageAuthor } from "../workers/app-data/users.js";
import type { ClientFrame } from "../workers/shared/client-frames.js";
import { USER_PERMISSIONS, type UserPermission } from "../workers/shared/tokens.js";
import type { SessionChannel } from "./session-channel.js";
import { THREAD_NOT_FOUND, type Runs } from "./session-runs.js";

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
  approve_tool: [USER_PERMISSIONS.runAgents],
  create_thread: [USER_PERMISSIONS.writeThreads],
  list_threads: [USER_PERMISSIONS.readThreads],
  get_thread_history: [USER_PERMISSIONS.readThreads],
};

export class FrameHandler {
  constructor(
    private readonly db: AppDatabase,
    private readonly channel: SessionChannel,
    private readonly runs: Runs,
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
      case "user_message": {
        const { content, thread_id: threadId } = frame.payload;
        return this.runs.submit({
          ws: source.ws,
          clientId: frame.id,
          content,
          threadId,
          sessionId: source.sessionId,
          author: source.author,
        });
      }
      case "cancel_run":
        if (!(await this.runs.cancel(frame.payload.run_id))) {
          return reply(
            "error",
            { code: "run_not_found", message: "No run of this session by that id is running.", retryable: false },
            routing,
          );
        }
        // The run itself answers: `agent_completed` with `status: "cancelled"`.
        return;
      case "approve_tool": {
        const { approval_id: approvalId, approved, reason } = frame.payload;
        return this.runs.approve({ ws: source.ws, clientId: frame.id, sessionId: source.sessionId, approvalId, approved, reason });
      }
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
        if (!thread) return reply("error", THREAD_NOT_FOUND, routing);
        const history = await threadMessages(this.db, thread.id, frame.payload.limit);
        return reply("thread_history", { thread_id: thread.id, messages: history.map(messageView) }, { ...routing, threadId: thread.id });
      }
    }
  }
}
