/**
 * @module
 * The AIChatAgent chat protocol as `useAgentChat` speaks it, for the tests: the request frame that
 * carries the conversation, and the answer's text read back from the response frames (each one
 * AI SDK UI-message chunk as JSON, the last one `done`).
 */
import { MessageType } from "@cloudflare/ai-chat/types";
import type { UIMessage } from "ai";
import * as z from "zod";

/** A frame as it arrives: a `type` and whatever else the protocol puts beside it. */
export type ChatFrame = { type: string } & Record<string, unknown>;

const ResponseFrame = z.object({
  type: z.literal(MessageType.CF_AGENT_USE_CHAT_RESPONSE),
  id: z.string(),
  body: z.string(),
  done: z.boolean(),
  error: z.boolean().optional(),
});
const Chunk = z.object({ type: z.string(), delta: z.string().optional() });

/** `useAgentChat`'s send of `text` after `history`: the whole conversation, as the body of a POST. */
export function chatRequest(requestId: string, text: string, history: UIMessage[] = []) {
  const message: UIMessage = { id: `${requestId}-user`, role: "user", parts: [{ type: "text", text }] };
  return {
    type: MessageType.CF_AGENT_USE_CHAT_REQUEST,
    id: requestId,
    init: { method: "POST", body: JSON.stringify({ messages: [...history, message], trigger: "submit-message" }) },
  };
}

/** True for the frame that ends the answer to `requestId`. */
export function isAnswerDone(frame: ChatFrame, requestId: string): boolean {
  const response = ResponseFrame.safeParse(frame);
  return response.success && response.data.id === requestId && response.data.done;
}

/** The answer to `requestId` so far, from its response frames in `frames`: its text deltas, in order. */
export function answerText(frames: readonly ChatFrame[], requestId: string): { text: string; deltas: number } {
  const deltas: string[] = [];
  for (const frame of frames) {
    const response = ResponseFrame.safeParse(frame);
    if (!response.success || response.data.id !== requestId) continue;
    if (response.data.error) throw new Error(`the answer to ${requestId} failed: ${response.data.body}`);
    if (response.data.body === "") continue;
    const chunk = Chunk.parse(JSON.parse(response.data.body));
    if (chunk.type === "text-delta" && chunk.delta !== undefined) deltas.push(chunk.delta);
  }
  return { text: deltas.join(""), deltas: deltas.length };
}
