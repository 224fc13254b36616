import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectCompleteRun, framesOfType, isFrame } from "../support/frames.js";
import { openSession } from "../support/ws.js";
import { rowsOf, runOf } from "./runs.js";

/**
 * The run contract (docs/protocol.md, WebSocket), the same for every agent: the demo agent, an
 * AI SDK test model and a hand-written agent (test/agents/test-agents.ts), each through a real
 * session object over a real socket, with the rows it leaves in D1.
 */

describe.each([
  ["the demo agent", "[demo] what is 2+2"],
  ["an AI SDK model", "[ai-sdk] what is 2+2"],
  ["a hand-written agent", "[custom] count these five words"],
])("the run contract, with %s", (_agent, content) => {
  it("acks, streams one complete run with contiguous seq, and stores the message, the answer and the run", async () => {
    const { socket, userId } = await openSession(exports.default);
    const run = await runOf(socket, content);
    expectCompleteRun(run);
    const seqs = run.map((frame) => frame.seq ?? -1);
    expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] ?? 0) + index));
    const completed = run.at(-1);
    if (!isFrame(completed, "agent_completed")) throw new Error("the run did not complete");
    const partials = framesOfType(run, "partial_result").map((frame) => frame.payload.content);
    expect(partials.join("")).toBe(completed.payload.result);
    expect(completed.payload.metrics).toMatchObject({ tool_calls: 1, thoughts: expect.any(Number) });
    expect(await rowsOf(userId)).toEqual({
      runs: [{ status: "completed", result: completed.payload.result, error: null }],
      messages: [
        { role: "user", content },
        { role: "assistant", content: completed.payload.result },
      ],
    });
    socket.close();
  });
});
