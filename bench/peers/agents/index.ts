import { Agent, routeAgentRequest, type Connection, type WSMessage } from "agents";
import { refuseUnlessTokenValid, type TokenCheckEnv } from "../token-check.js";

interface AgentsEnv extends TokenCheckEnv {
  BenchAgent: DurableObjectNamespace<BenchAgent>;
}

/**
 * The frames of one demo-agent run as Tether sends them for "what is a * b + c": ack,
 * agent_started, three thoughts, the calculator's tool_executing and tool_completed, seven
 * partial_results, final_report, agent_completed.
 */
const RUN_SCRIPT = [
  "ack",
  "agent_started",
  "agent_thinking",
  "agent_thinking",
  "tool_executing",
  "tool_completed",
  "agent_thinking",
  ...Array.from({ length: 7 }, () => "partial_result"),
  "final_report",
  "agent_completed",
] as const;

/**
 * One agent per session, as an Agents SDK app would write it: a text frame is echoed; a JSON
 * `{"type":"user_message","id","content"}` starts a scripted run whose message and every event are
 * written to the agent's own SQLite (as Tether writes its resume log) and streamed, each numbered.
 */
export class BenchAgent extends Agent<AgentsEnv> {
  private seq = 0;

  override onStart(): void {
    void this.sql`CREATE TABLE IF NOT EXISTS bench_messages (id TEXT PRIMARY KEY, content TEXT NOT NULL, created_at INTEGER NOT NULL)`;
    void this.sql`CREATE TABLE IF NOT EXISTS bench_events (seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, frame TEXT NOT NULL)`;
    this.seq = this.sql<{ seq: number }>`SELECT COALESCE(MAX(seq), 0) AS seq FROM bench_events`[0]?.seq ?? 0;
  }

  override onMessage(connection: Connection, message: WSMessage): void {
    if (typeof message !== "string" || !message.startsWith("{")) return connection.send(message);
    const { id, content } = JSON.parse(message) as { id: string; content: string };
    void this.sql`INSERT INTO bench_messages (id, content, created_at) VALUES (${id}, ${content}, ${Date.now()})`;
    const runId = crypto.randomUUID();
    for (const type of RUN_SCRIPT) {
      this.seq += 1;
      const frame = JSON.stringify({
        type,
        seq: this.seq,
        event_id: crypto.randomUUID(),
        ...(type === "ack" || type === "agent_completed" ? { reply_to: id } : {}),
        timestamp: new Date().toISOString(),
        payload: { run_id: runId },
      });
      void this.sql`INSERT INTO bench_events (seq, run_id, frame) VALUES (${this.seq}, ${runId}, ${frame})`;
      connection.send(frame);
    }
  }
}

/** `/agents/bench-agent/<session>?token=<access token>`: the token is verified before the agent sees the socket. */
export default {
  async fetch(request: Request, env: AgentsEnv): Promise<Response> {
    const routed = await routeAgentRequest(request, env, { onBeforeConnect: (connecting) => refuseUnlessTokenValid(connecting, env) });
    return routed ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<AgentsEnv>;
