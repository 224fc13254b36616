/**
 * @module
 * Client → server frames of `/ws` as the session object reads them: the zod schemas (strict:
 * unknown fields are errors) and the one reader of a socket's message. `@tether/protocol` types
 * the same frames without zod for clients; the check at the end of this file fails `tsc` when the
 * two disagree on any field of any frame.
 */
import * as z from "zod";
import {
  MAX_FRAME_BYTES,
  MAX_APPROVAL_REASON_CHARS,
  MAX_HISTORY_LIMIT,
  MAX_MESSAGE_CONTENT_CHARS,
  MAX_THREAD_NAME_CHARS,
  type ClientFrame as ProtocolClientFrame,
  type ClientFrameType,
  type SocketErrorCode,
} from "@tether/protocol";

const clientFrameId = z.string().min(1).max(128);
const threadId = z.string().min(1).max(64);

/** One client frame's schema: its `type`, an `id` to answer to, and its payload (strict). */
const clientFrame = <Type extends ClientFrameType, Payload extends z.ZodObject>(type: Type, payload: Payload) =>
  z.strictObject({ type: z.literal(type), id: clientFrameId, payload });

export const UserMessageFrame = clientFrame(
  "user_message",
  z.strictObject({ content: z.string().min(1).max(MAX_MESSAGE_CONTENT_CHARS), thread_id: threadId.optional() }),
);
export const AuthRefreshFrame = clientFrame("auth_refresh", z.strictObject({ token: z.string().min(1).max(8192) }));
export const CreateThreadFrame = clientFrame("create_thread", z.strictObject({ name: z.string().min(1).max(MAX_THREAD_NAME_CHARS) }));
export const ListThreadsFrame = clientFrame("list_threads", z.strictObject({}));
export const GetThreadHistoryFrame = clientFrame(
  "get_thread_history",
  z.strictObject({ thread_id: threadId, limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).default(50) }),
);
export const PingFrame = clientFrame("ping", z.strictObject({}));
export const CancelRunFrame = clientFrame("cancel_run", z.strictObject({ run_id: z.string().min(1).max(64) }));
export const ApproveToolFrame = clientFrame(
  "approve_tool",
  z.strictObject({
    approval_id: z.string().min(1).max(64),
    approved: z.boolean(),
    reason: z.string().max(MAX_APPROVAL_REASON_CHARS).optional(),
  }),
);

export const ClientFrameSchema = z.discriminatedUnion("type", [
  UserMessageFrame,
  AuthRefreshFrame,
  CreateThreadFrame,
  ListThreadsFrame,
  GetThreadHistoryFrame,
  PingFrame,
  CancelRunFrame,
  ApproveToolFrame,
]);
/** A frame as read: what the client sent, its defaults filled in (`get_thread_history`'s `limit`). */
export type ClientFrame = z.output<typeof ClientFrameSchema>;
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ClientFrameSchema.options.map((option) => option.shape.type.value);

export type FrameReading =
  | { ok: true; frame: ClientFrame }
  | { ok: false; tooLarge: true; message: string }
  | { ok: false; tooLarge: false; code: SocketErrorCode; message: string; replyTo?: string };

/** UTF-8 takes at most 3 bytes per UTF-16 unit: most frames are measured without encoding them. */
const overMaxBytes = (text: string) => text.length * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(text).byteLength > MAX_FRAME_BYTES;

/**
 * The hottest frame's schema, checked by hand: exactly `{type: "ping", id, payload: {}}` with an id
 * of 1–128 characters, as PingFrame (strict) accepts it. Anything else, valid or not, goes to the
 * schema, so the answers to bad pings are the schema's. Saves the schema's work on every ping.
 */
function isBarePing(envelope: {
  type?: unknown;
  id?: unknown;
  payload?: unknown;
}): envelope is { type: "ping"; id: string; payload: object } {
  if (envelope.type !== "ping" || typeof envelope.id !== "string" || envelope.id.length < 1 || envelope.id.length > 128) return false;
  const { payload } = envelope;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload) || Object.getPrototypeOf(payload) !== Object.prototype)
    return false;
  for (const _field in payload) return false;
  for (const key in envelope) if (key !== "type" && key !== "id" && key !== "payload") return false;
  return true;
}

/** Parses and validates one inbound WebSocket message; every failure says what was wrong. */
export function readClientFrame(message: string | ArrayBuffer): FrameReading {
  if (typeof message !== "string") {
    if (message.byteLength > MAX_FRAME_BYTES) return { ok: false, tooLarge: true, message: "Frames are at most 64 KiB." };
    return { ok: false, tooLarge: false, code: "binary_not_supported", message: "Frames are JSON text, not binary." };
  }
  if (message.length > MAX_FRAME_BYTES || overMaxBytes(message)) {
    return { ok: false, tooLarge: true, message: "Frames are at most 64 KiB." };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { ok: false, tooLarge: false, code: "invalid_json", message: "The frame is not valid JSON." };
  }
  const envelope = parsed as { type?: unknown; id?: unknown; payload?: unknown } | null;
  const replyTo = typeof envelope?.id === "string" && envelope.id.length <= 128 ? envelope.id : undefined;
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) {
    return { ok: false, tooLarge: false, code: "invalid_frame", message: "A frame is an object {type, id, payload}." };
  }
  if (typeof envelope.type !== "string" || !(CLIENT_FRAME_TYPES as readonly string[]).includes(envelope.type)) {
    return {
      ok: false,
      tooLarge: false,
      code: "unknown_type",
      message: `Unknown frame type; expected one of ${CLIENT_FRAME_TYPES.join(", ")}.`,
      replyTo,
    };
  }
  if (isBarePing(envelope)) return { ok: true, frame: { type: "ping", id: envelope.id, payload: {} } };
  const result = ClientFrameSchema.safeParse(parsed);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join(".") || "frame"}: ${issue.message}`).join("; ");
    return { ok: false, tooLarge: false, code: "invalid_frame", message: details, replyTo };
  }
  return { ok: true, frame: result.data };
}

/** True when A and B are the same type: each assignable to the other, optional fields and all. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type ProvedTrue<Checks extends Record<string, true>> = Checks;
type SchemaInput = z.input<typeof ClientFrameSchema>;

/**
 * The proof that the schemas and `@tether/protocol`'s `ClientFrame` describe the same frames: the
 * same frame types, and for each type what the client may send (the schema's input, before its
 * defaults) is exactly the protocol's type. A field added, removed, renamed, retyped or made
 * optional on one side only turns that frame's entry `false`, and `tsc` fails here naming it.
 */
export type ClientFramesMatchProtocol = ProvedTrue<
  { frame_types: Equal<SchemaInput["type"], ClientFrameType> } & {
    [T in ClientFrameType]: Equal<Extract<SchemaInput, { type: T }>, ProtocolClientFrame<T>>;
  }
>;
