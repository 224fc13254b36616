import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wrangler } from "../../scripts/local-state.mjs";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";
import { FrameCollector } from "../support/node/ws-client.js";

/** A real WebSocket client from Node against both Workers in `wrangler dev`, as `npm run dev` runs them. */
describe("the WebSocket protocol end to end", () => {
  let server: LocalStack;

  beforeAll(async () => {
    server = await startLocalStack();
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function register(): Promise<string> {
    const response = await fetch(`${server.origin}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: `ws-${crypto.randomUUID()}@example.com`, password: "correct horse battery", name: "WS" }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  it("streams a full agent run for 'what is 2+2' and answers 4", async () => {
    const token = await register();
    const socket = new WebSocket(`${server.origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${token}`]);
    const frames = new FrameCollector(socket);
    await frames.opened();
    expect(socket.protocol).toBe("tether.v1");
    expect((await frames.next("connection_established")).payload).toMatchObject({ resumed_from: null });
    socket.send(JSON.stringify({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 2+2" } }));
    const completed = await frames.next("agent_completed");
    expect(completed.payload).toMatchObject({ result: "2+2 = 4" });
    expect(frames.types()).toEqual(
      expect.arrayContaining(["ack", "agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]),
    );
    socket.close();

    // The rows are in the local D1 that `wrangler dev` used.
    const threadId = completed.thread_id ?? "";
    const output = wrangler(
      [
        "d1",
        "execute",
        "tether-app",
        "--local",
        "--persist-to",
        server.persistTo,
        "-c",
        "wrangler.jsonc",
        "--json",
        "--command",
        `SELECT role, content FROM messages WHERE thread_id = '${threadId.replaceAll("'", "")}' ORDER BY created_at`,
      ],
      { quiet: true },
    );
    const [{ results }] = JSON.parse(output) as [{ results: Array<{ role: string; content: string }> }];
    expect(results).toEqual([
      { role: "user", content: "what is 2+2" },
      { role: "assistant", content: "2+2 = 4" },
    ]);
  });

  it("closes a socket with a bad token with 4401 and a JSON reason", async () => {
    const socket = new WebSocket(`${server.origin.replace("http", "ws")}/ws`, ["tether.v1", "bearer.not-a-token"]);
    const frames = new FrameCollector(socket);
    const closed = await frames.closed();
    expect(closed.code).toBe(4401);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "unauthorized" });
    expect(frames.types()).toEqual([]);
  });
});
