// D1 round trips per operation, counted in the bench host (bench/hosts/workerd/d1-meter.ts) on both
// of Tether's databases — the app's (backend and session objects) and auth's — with nothing else
// running: a connect, a message before its `ack` and after it, an approval before its
// `tool_executing`, a cached `GET /api/me`, and the floor's message for comparison. The split at a
// frame is the server's count when it sent that frame, so it cannot race the client.
import type { D1Counts, D1Meter } from "../lib/d1-meter.ts";
import { totalCalls } from "../lib/d1-meter.ts";
import type { BenchConfig } from "../lib/config.ts";
import type { Peer } from "../lib/peers.ts";
import { openFrameSocket, replyTo } from "../lib/tether-frames.ts";
import type { MintedToken } from "../lib/tokens.ts";
import { approve, requestApproval } from "./approval.ts";

/** Round trips of one operation, one entry per repetition. */
export interface RoundTripRow {
  operation: string;
  /** The target (#24), or null where there is none. */
  target: number | null;
  app: number[];
  auth: number[];
  /** Where the count splits further, what the last repetition showed. */
  detail?: string;
}
export type D1RoundTripResults = RoundTripRow[];

/** Work the server does once an answer is out (a `waitUntil`, a log write) has landed by then. */
export const SETTLE_MS = 200;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** Calls of the app's database when `frame` was sent (0 if it was not). */
const atFrame = (counts: Record<string, D1Counts>, frame: string) => counts.app?.callsWhenSent[frame] ?? 0;

class Rows {
  readonly rows = new Map<string, RoundTripRow>();

  add(operation: string, target: number | null, app: number, auth: number, detail?: string): void {
    const row = this.rows.get(operation) ?? { operation, target, app: [], auth: [] };
    row.app.push(app);
    row.auth.push(auth);
    if (detail) row.detail = detail;
    this.rows.set(operation, row);
  }
}

async function measured(meter: D1Meter, work: () => Promise<void>): Promise<Record<string, D1Counts>> {
  await meter.reset();
  await work();
  await settle();
  return meter.read();
}

async function apiMe(origin: string, token: string): Promise<void> {
  const response = await fetch(`${origin}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /api/me answered ${response.status}`);
  await response.arrayBuffer();
}

export async function runD1RoundTrips(tether: Peer, floor: Peer, config: BenchConfig, tokens: MintedToken[]): Promise<D1RoundTripResults> {
  const meter = tether.d1;
  if (!meter) throw new Error("Tether runs without its D1 meter");
  const origin = tether.server.origin;
  const rows = new Rows();
  // The sign-ins that minted the tokens may still be syncing their sessions: not a connect's work.
  await settle();
  for (let repetition = 0; repetition < config.d1RoundTrips.repetitions; repetition += 1) {
    const token = tokens[repetition]?.token ?? "";
    let socket: Awaited<ReturnType<typeof openFrameSocket>> | undefined;
    const connect = await measured(meter, async () => {
      socket = await openFrameSocket(origin, token);
    });
    if (!socket) throw new Error("no socket");
    rows.add("connect (to `connection_established`)", 0, totalCalls(connect.app), totalCalls(connect.auth));

    const open = socket;
    // The session's first message makes its thread: the counted one is any later message.
    await open.waitFor(replyTo("agent_completed", open.send("user_message", { content: "what is 1 + 1" })));
    const message = await measured(meter, async () => {
      await open.waitFor(replyTo("agent_completed", open.send("user_message", { content: "what is 2 + 3" })));
    });
    const beforeAck = atFrame(message, "ack");
    const untilCompleted = atFrame(message, "agent_completed") - beforeAck;
    const afterAck = totalCalls(message.app) - beforeAck;
    rows.add("message, before its `ack`", 1, beforeAck, 0);
    rows.add(
      "message, after its `ack`",
      1,
      afterAck,
      totalCalls(message.auth),
      `${untilCompleted} until \`agent_completed\`, ${afterAck - untilCompleted} after it`,
    );

    const request = await requestApproval(open);
    const approval = await measured(meter, async () => {
      await approve(open, request);
    });
    rows.add("`approve_tool`, before its `tool_executing`", null, atFrame(approval, "tool_executing"), totalCalls(approval.auth));
    await open.close();

    await apiMe(origin, token);
    const me = await measured(meter, () => apiMe(origin, token));
    rows.add("`GET /api/me`, token cached", 0, totalCalls(me.app), totalCalls(me.auth));

    if (floor.d1) {
      const connection = await floor.client.connect(token, `d1-count-${repetition}`);
      const floorMessage = await measured(floor.d1, () => connection.message("floor"));
      rows.add("floor message (its two batches)", 2, totalCalls(floorMessage.floor), 0);
      await connection.close();
    }
  }
  return [...rows.rows.values()];
}
