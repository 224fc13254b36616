/**
 * @module
 * One message's run over a test socket, and what it left in D1.
 */
import { env } from "cloudflare:workers";
import type { ServerFrame } from "@tether/protocol";
import type { TestSocket } from "../support/ws.js";

/** Sends a message and returns its frames, from the ack to the run's last event. */
export async function runOf(socket: TestSocket, content: string, threadId?: string): Promise<ServerFrame[]> {
  const id = crypto.randomUUID();
  socket.send({ type: "user_message", id, payload: threadId === undefined ? { content } : { content, thread_id: threadId } });
  const ended = (frame: ServerFrame) => frame.reply_to === id && (frame.type === "agent_completed" || frame.type === "error");
  await socket.until((frames) => frames.some(ended));
  return socket.frames.filter((frame) => frame.reply_to === id);
}

export async function rowsOf(userId: string) {
  const runs = await env.APP_DB.prepare("SELECT status, result, error FROM agent_runs WHERE user_id = ? ORDER BY started_at")
    .bind(userId)
    .all<{ status: string; result: string | null; error: string | null }>();
  const messages = await env.APP_DB.prepare("SELECT role, content FROM messages WHERE user_id = ? ORDER BY created_at, rowid")
    .bind(userId)
    .all<{ role: string; content: string }>();
  return { runs: runs.results, messages: messages.results };
}
