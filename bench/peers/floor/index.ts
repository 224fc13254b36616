import { DurableObject } from "cloudflare:workers";
import { appDatabase } from "../../../workers/app-data/db/client.js";
import { storeUserMessage } from "../../../workers/app-data/messages.js";
import { storeRunOutcome } from "../../../workers/app-data/runs.js";

interface FloorEnv {
  FLOOR: DurableObjectNamespace<FloorRoom>;
  APP_DB: D1Database;
}

/**
 * What Tether costs at the least on this runtime: the socket accepted by a Durable Object with the
 * hibernation API and every text frame echoed. A frame `{"type":"user_message","id","content"}`
 * instead gets Tether's D1 work for a message — the same two batches, same tables — and `done`.
 */
export class FloorRoom extends DurableObject<FloorEnv> {
  override async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || !message.startsWith("{")) return ws.send(message);
    const frame = JSON.parse(message) as { id: string; content: string };
    const db = appDatabase(this.env.APP_DB);
    const room = this.ctx.id.name ?? "floor";
    const author = { userId: room, email: `${room}@floor.bench`, name: "floor", emailVerified: false };
    const stored = await storeUserMessage(db, author, {
      clientId: frame.id,
      content: frame.content,
      threadId: undefined,
      agentName: "floor",
      sessionId: room,
      status: "running",
    });
    await storeRunOutcome(
      db,
      { runId: stored.runId, userId: room, threadId: stored.threadId, durationMs: 0 },
      { status: "completed", result: "done" },
    );
    ws.send(JSON.stringify({ type: "done", reply_to: frame.id }));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code);
  }
}

/** GET /ws?room=<name>: one room (one object) per name. */
export default {
  fetch(request: Request, env: FloorEnv): Promise<Response> {
    const room = new URL(request.url).searchParams.get("room") ?? "floor";
    return env.FLOOR.get(env.FLOOR.idFromName(room)).fetch(request);
  },
} satisfies ExportedHandler<FloorEnv>;
