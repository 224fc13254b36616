/**
 * @module
 * `Chat`: an `AIChatAgent` (from `@cloudflare/ai-chat`) per user behind Tether's guard. The page's
 * `useAgentChat` sends the conversation in the chat protocol's `cf_agent_use_chat_request` frame;
 * `onChatMessage` answers with the model's stream, which the class relays as
 * `cf_agent_use_chat_response` frames and keeps, with the conversation, in the instance's own
 * SQLite. `{"type":"whoami"}` answers who Tether says is calling, as
 * `GET /agents/chat/<name>/whoami` does over HTTP.
 */
import { AIChatAgent, type OnChatMessageOptions } from "@cloudflare/ai-chat";
import { getCurrentAgent, type Connection, type WSMessage } from "agents";
import { convertToModelMessages, streamText, type LanguageModel, type GenerateTextOnFinishCallback, type ToolSet } from "ai";
import { createWorkersAI } from "workers-ai-provider";
import { withTether, type TetherAgentsEnv } from "@tether/server/agents";
import * as z from "zod";

export type ChatEnv = TetherAgentsEnv & { AI?: Ai; WORKERS_AI_MODEL?: string } & Cloudflare.Env;

/** What the model sees of the conversation: its most recent messages, so a long chat's cost stays flat. */
const HISTORY_MESSAGES = 20;
/** What the instance keeps: the rest is deleted oldest first. */
const MAX_PERSISTED_MESSAGES = 200;
const ClientFrame = z.object({ type: z.literal("whoami") });

// A named class over this Worker's env: the declarations tsc emits (composite projects) can name it,
// where they cannot spell out `AIChatAgent<ChatEnv>` itself (the class has private statics).
class ChatAgent extends AIChatAgent<ChatEnv> {}

export class Chat extends withTether(ChatAgent) {
  override maxPersistedMessages = MAX_PERSISTED_MESSAGES;

  /** Workers AI when the Worker has an AI binding; the tests give a model of their own. */
  protected model(): LanguageModel {
    if (!this.env.AI) throw new Error("Chat needs an AI binding (or a subclass's model)");
    return createWorkersAI({ binding: this.env.AI })(this.env.WORKERS_AI_MODEL ?? "@cf/meta/llama-3.3-70b-instruct-fp8-fast");
  }

  override async onChatMessage(_onFinish: GenerateTextOnFinishCallback<ToolSet>, options?: OnChatMessageOptions): Promise<Response> {
    // The chat request's connection is the turn's context; a turn the class resumes on its own
    // (recovery after an eviction) has none, and then the prompt names nobody.
    const { connection } = getCurrentAgent();
    const user = connection ? this.tetherUser(connection) : null;
    const result = streamText({
      model: this.model(),
      system: `You are talking with ${user?.name ?? "a user"}.`,
      messages: await convertToModelMessages(this.messages.slice(-HISTORY_MESSAGES)),
      ...(options?.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    return result.toUIMessageStreamResponse();
  }

  /** Frames the chat protocol does not claim reach here (AIChatAgent passes them on). */
  override onMessage(connection: Connection, message: WSMessage): void {
    let frame: z.infer<typeof ClientFrame>;
    try {
      frame = ClientFrame.parse(JSON.parse(typeof message === "string" ? message : ""));
    } catch {
      return connection.send(JSON.stringify({ type: "error", payload: { code: "invalid_frame" } }));
    }
    if (frame.type === "whoami") connection.send(JSON.stringify({ type: "whoami", payload: this.tetherUser(connection) }));
  }

  override onRequest(request: Request): Response {
    if (new URL(request.url).pathname.endsWith("/whoami")) return Response.json(this.tetherUser(request));
    return Response.json({ error: { code: "not_found", message: "No such route." } }, { status: 404 });
  }

  /** A claimed account starts clean: the registrant's conversation is not the owner's. */
  override async onTetherSessionRevoked(_sessionId: string, reason: string): Promise<void> {
    if (reason !== "account_claimed") return;
    this.resetTurnState();
    await this.sessions.session().clearMessages();
  }
}
