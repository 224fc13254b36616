/**
 * @module
 * Client → server frames of `/ws`, as the session object validates them (strict: unknown fields are errors).
 */
import { z } from "zod";
import { MAX_HISTORY_LIMIT, MAX_MESSAGE_CONTENT_CHARS, MAX_THREAD_NAME_CHARS } from "@tether/protocol";

const clientFrameId = z.string().min(1).max(128);
const threadId = z.string().min(1).max(64);

export const UserMessageFrame = z.strictObject({
  type: z.literal("user_message"),
  id: clientFrameId,
  payload: z.strictObject({
    content: z.string().min(1).max(MAX_MESSAGE_CONTENT_CHARS),
    thread_id: threadId.optional(),
  }),
});
export const AuthRefreshFrame = z.strictObject({
  type: z.literal("auth_refresh"),
  id: clientFrameId,
  payload: z.strictObject({ token: z.string().min(1).max(8192) }),
});
export const CreateThreadFrame = z.strictObject({
  type: z.literal("create_thread"),
  id: clientFrameId,
  payload: z.strictObject({ name: z.string().min(1).max(MAX_THREAD_NAME_CHARS) }),
});
export const ListThreadsFrame = z.strictObject({
  type: z.literal("list_threads"),
  id: clientFrameId,
  payload: z.strictObject({}),
});
export const GetThreadHistoryFrame = z.strictObject({
  type: z.literal("get_thread_history"),
  id: clientFrameId,
  payload: z.strictObject({
    thread_id: threadId,
    limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).default(50),
  }),
});
export const PingFrame = z.strictObject({
  type: z.literal("ping"),
  id: clientFrameId,
  payload: z.strictObject({}),
});

export const CancelRunFrame = z.strictObject({
  type: z.literal("cancel_run"),
  id: clientFrameId,
  payload: z.strictObject({ run_id: z.string().min(1).max(64) }),
});

export const ClientFrame = z.discriminatedUnion("type", [
  UserMessageFrame,
  AuthRefreshFrame,
  CreateThreadFrame,
  ListThreadsFrame,
  GetThreadHistoryFrame,
  PingFrame,
  CancelRunFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame["type"];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ClientFrame.options.map((option) => option.shape.type.value);
