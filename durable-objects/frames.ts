/**
 * @module
 * Building server frames and reading client frames: the envelope and nothing else.
 */
import { ClientFrame, CLIENT_FRAME_TYPES } from "../workers/shared/client-frames.js";
import { MAX_FRAME_BYTES, type ServerFrame, type ServerFrameType, type ServerPayloads, type SocketErrorCode } from "@tether/protocol";

export interface FrameRouting {
  replyTo?: string | undefined;
  threadId?: string | undefined;
}

/** Every field of a server frame present, the optional ones possibly undefined. */
type FrameFields<T extends ServerFrameType> = { type: T; event_id: string; timestamp: string; payload: ServerPayloads[T] } & {
  [K in "seq" | "reply_to" | "thread_id"]: ServerFrame[K] | undefined;
};

export function serverFrame<T extends ServerFrameType>(
  type: T,
  payload: ServerPayloads[T],
  routing: FrameRouting = {},
  seq?: number,
): string {
  // Absent fields are undefined, which JSON.stringify leaves out: the same text as building the
  // frame from optional spreads, without copying objects on every frame.
  const frame: FrameFields<T> = {
    type,
    seq,
    event_id: crypto.randomUUID(),
    reply_to: routing.replyTo,
    thread_id: routing.threadId,
    timestamp: new Date().toISOString(),
    payload,
  };
  return JSON.stringify(frame);
}

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
  const result = ClientFrame.safeParse(parsed);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join(".") || "frame"}: ${issue.message}`).join("; ");
    return { ok: false, tooLarge: false, code: "invalid_frame", message: details, replyTo };
  }
  return { ok: true, frame: result.data };
}
