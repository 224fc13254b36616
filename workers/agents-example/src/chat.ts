/**
 * @module
 * `Chat`: an Agents SDK Agent per user behind Tether's guard. A `{"type":"chat","id","text"}`
 * frame gets the model's answer streamed back as `chat_delta` frames and one `chat_done`; the
 * conversation is kept in the instance's own SQLite. `{"type":"whoami"}` answers who Tether says
 * is calling, as `GET /agents/chat/<name>/whoami` does over HTTP.
 */
import { Agent, type Connection, type WSMessage } from "agents";
import { streamText, type LanguageModel, type ModelMessage } from "ai";
import { createWorkersAI } from "workers-ai-provider";
import { withTether, type TetherAgentsEnv } from "@tether/server/agents";
import { z } from "zod";

export type ChatEnv = TetherAgentsEnv & { AI?: Ai; WORKERS_AI_MODEL?: string } & Cloudflare.Env;

const MAX_TEXT_CHARS = 4000;
const HISTORY_TURNS = 20;
const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat"), id: z.string().min(1).max(64), text: z.string().min(1).max(MAX_TEXT_CHARS) }),
  z.object({ type: z.literal("whoami") }),
]);

export class Chat extends withTether(Agent<ChatEnv>) {
  /** Workers AI when the Worker has an AI binding; the tests give a model of their own. */
  protected model(): LanguageModel {
    if (!this.env.AI) throw new Error("Chat needs an AI binding (or a subclass's model)");
    return createWorkersAI({ binding: this.env.AI })(this.env.WORKERS_AI_MODEL ?? "@cf/meta/llama-3.3-70b-instruct-fp8-fast");
  }

  override onStart(): void {
    void this
      .sql`CREATE TABLE IF NOT EXISTS chat_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL)`;
  }

  override async onMessage(connection: Connection, message: WSMessage): Promise<void> {
    let frame: z.infer<typeof ClientFrame>;
    try {
      frame = ClientFrame.parse(JSON.parse(typeof message === "string" ? message : ""));
    } catch {
      return connection.send(JSON.stringify({ type: "error", payload: { code: "invalid_frame" } }));
    }
    const user = this.tetherUser(connection);
    if (frame.type === "whoami") return connection.send(JSON.stringify({ type: "whoami", payload: user }));
    const history = this.sql<{ role: "user" | "assistant"; content: string }>`
      SELECT role, content FROM (SELECT * FROM chat_messages ORDER BY seq DESC LIMIT ${HISTORY_TURNS}) ORDER BY seq`;
    void this.sql`INSERT INTO chat_messages (role, content) VALUES ('user', ${frame.text})`;
    const messages: ModelMessage[] = [...history, { role: "user", content: frame.text }];
    const result = streamText({ model: this.model(), system: `You are talking with ${user?.name ?? "a user"}.`, messages });
    let answer = "";
    for await (const delta of result.textStream) {
      answer += delta;
      connection.send(JSON.stringify({ type: "chat_delta", payload: { id: frame.id, delta } }));
    }
    void this.sql`INSERT INTO chat_messages (role, content) VALUES ('assistant', ${answer})`;
    connection.send(JSON.stringify({ type: "chat_done", payload: { id: frame.id, text: answer } }));
  }

  override onRequest(request: Request): Response {
    if (new URL(request.url).pathname.endsWith("/whoami")) return Response.json(this.tetherUser(request));
    return Response.json({ error: { code: "not_found", message: "No such route." } }, { status: 404 });
  }

  /** A claimed account starts clean: the registrant's conversation is not the owner's. */
  override onTetherSessionRevoked(_sessionId: string, reason: string): void {
    if (reason === "account_claimed") void this.sql`DELETE FROM chat_messages`;
  }
}
