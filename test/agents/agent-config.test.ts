import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AgentCatalog } from "../../durable-objects/agents/agent-catalog.js";
import { demoAgent } from "../../durable-objects/agents/demo.js";
import { DEFAULT_WORKERS_AI_MODEL, workersAiAgent } from "../../durable-objects/agents/workers-ai.js";
import { FrameHandler } from "../../durable-objects/frame-handler.js";
import { RunLedger } from "../../durable-objects/run-ledger.js";
import { ApprovalLedger } from "../../durable-objects/approval-ledger.js";
import { ApprovalWaits } from "../../durable-objects/approval-waits.js";
import { SessionChannel } from "../../durable-objects/session-channel.js";
import { UnavailableRuns } from "../../durable-objects/session-runs.js";
import { appDatabase } from "../../workers/app-data/db/client.js";
import backendApp from "./worker.js";
import type { ServerFrame } from "@tether/protocol";
import { runDirectly } from "../support/backend/agent-run.js";
import { ORIGIN } from "../support/http.js";

/** The agents of the repository's own app (workers/demo/backend.ts). */
const catalog = new AgentCatalog({ demo: demoAgent, "workers-ai": workersAiAgent }, "demo");
const chooseAgent = (env: object) => catalog.choose(env);

/** `AGENT` names the agent; a name that names none, or an agent without its binding, is a clear error. */

const health = async (vars: Record<string, unknown>) => {
  const response = await backendApp.fetch(new Request(`${ORIGIN}/health`), { ...env, ...vars });
  return { status: response.status, body: (await response.json()) as { status: string; problems?: string[] } };
};

describe("AGENT", () => {
  it("names a registered agent: /health is ok", async () => {
    expect(await health({})).toMatchObject({ status: 200, body: { status: "ok", agent: { name: "test", ready: true } } });
  });

  it("naming no agent makes /health 503 misconfigured, saying which names there are", async () => {
    expect(await health({ AGENT: "gpt-in-a-box" })).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: "misconfigured",
        agent: { name: "gpt-in-a-box", ready: false },
        problems: ['AGENT is "gpt-in-a-box", which names no agent (known: demo, workers-ai, test)'],
      }),
    });
  });

  it('"workers-ai" without the ai binding is misconfigured too, not a crash', async () => {
    const { status, body } = await health({ AGENT: "workers-ai" });
    expect(status).toBe(503);
    expect(body.problems?.[0]).toMatch(/there is no Workers AI binding: add "ai": \{ "binding": "AI" \} to wrangler.jsonc/);
  });

  it("naming no agent refuses each message with agent_unavailable, storing nothing", async () => {
    const stub = env.USER_SESSION.get(env.USER_SESSION.idFromName(crypto.randomUUID()));
    const replies = await runInDurableObject(stub, async (_instance, state) => {
      const { 0: client, 1: server } = new WebSocketPair();
      const received: ServerFrame[] = [];
      // A marker sent after the handler is done: every reply is in once it arrives.
      const allIn = new Promise<void>((resolve) =>
        client.addEventListener("message", (event) => {
          if (event.data === "{}") resolve();
          else received.push(JSON.parse(String(event.data)) as ServerFrame);
        }),
      );
      client.accept();
      server.accept();
      const choice = chooseAgent({ AGENT: "gpt-in-a-box" });
      if (choice.ok) throw new Error("expected a problem");
      const db = appDatabase(env.APP_DB);
      const channel = new SessionChannel(state);
      const waits = new ApprovalWaits(db, new ApprovalLedger(state.storage.sql), channel, 60_000, async () => undefined);
      const handler = new FrameHandler(
        db,
        channel,
        new UnavailableRuns(choice.problem, db, new RunLedger(state.storage.sql), channel, waits),
      );
      const author = { userId: crypto.randomUUID(), email: "x@example.com", name: "X", emailVerified: false };
      const frame = { type: "user_message", id: "m1", payload: { content: "hello" } } as const;
      await handler.handle(frame, { ws: server, sessionId: "s1", author, permissions: ["threads:read", "threads:write", "agents:run"] });
      server.send("{}");
      await allIn;
      return { received, rows: await countMessages(author.userId) };
    });
    expect(replies.received.map((frame) => [frame.type, frame.reply_to, frame.payload])).toEqual([
      [
        "error",
        "m1",
        { code: "agent_unavailable", message: "No agent is configured for this deployment; the message was not stored.", retryable: true },
      ],
    ]);
    expect(replies.rows).toBe(0);
  });
});

async function countMessages(userId: string): Promise<number> {
  const row = await env.APP_DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE user_id = ?").bind(userId).first<{ n: number }>();
  return row?.n ?? 0;
}

describe("the workers-ai agent", () => {
  /** Workers AI as its binding answers a streamed chat: server-sent events, then [DONE]. */
  function standInAi(calls: Array<{ model: string; inputs: { messages?: Array<{ role: string; content: string }> } }>): Ai {
    const events = [{ response: "Hello" }, { response: " there" }, { usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } }];
    const body = [...events.map((event) => `data: ${JSON.stringify(event)}\n\n`), "data: [DONE]\n\n"].join("");
    const binding = {
      run: async (model: string, inputs: { messages?: Array<{ role: string; content: string }> }) => {
        calls.push({ model, inputs });
        return new Response(body).body;
      },
    };
    return binding as unknown as Ai;
  }

  it("streams WORKERS_AI_MODEL's answer through the AI SDK adapter, with the history and the message", async () => {
    const calls: Array<{ model: string; inputs: { messages?: Array<{ role: string; content: string }> } }> = [];
    const choice = chooseAgent({ AGENT: "workers-ai", AI: standInAi(calls), WORKERS_AI_MODEL: "@cf/test/model" });
    if (!choice.ok) throw new Error(choice.problem);
    const { outcome, published } = await runDirectly(choice.agent, {
      content: "and you?",
      history: async () => [{ role: "user", content: "hi", createdAt: new Date().toISOString() }],
    });
    expect(outcome).toMatchObject({ status: "completed", result: "Hello there" });
    expect(published.map((event) => event.type)).toEqual([
      "agent_started",
      "agent_thinking",
      "partial_result",
      "partial_result",
      "final_report",
    ]);
    expect(published.at(-1)?.payload).toMatchObject({ report: { model: "@cf/test/model", usage: { input_tokens: 7, output_tokens: 2 } } });
    expect(calls[0]?.model).toBe("@cf/test/model");
    expect(calls[0]?.inputs.messages?.filter((message) => message.role !== "system")).toEqual([
      { role: "user", content: "hi" },
      { role: "user", content: "and you?" },
    ]);
  });

  it(`defaults to ${DEFAULT_WORKERS_AI_MODEL}`, async () => {
    const calls: Array<{ model: string; inputs: object }> = [];
    const choice = chooseAgent({ AGENT: "workers-ai", AI: standInAi(calls) });
    if (!choice.ok) throw new Error(choice.problem);
    expect(choice.agent.name).toBe("workers-ai");
    await runDirectly(choice.agent);
    expect(calls[0]?.model).toBe(DEFAULT_WORKERS_AI_MODEL);
  });
});
