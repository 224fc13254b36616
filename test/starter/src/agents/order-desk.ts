// An agent of the team's own: an AI SDK model (here `ai/test`'s scripted one, so it runs offline)
// that asks the shipping_eta tool, then answers from its result.
import { aiSdkAgent } from "@tether/server/agent";
import { MockLanguageModelV4, simulateReadableStream } from "ai/test";
import { shippingEta } from "../tools/shipping-eta.js";

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } };

const model = new MockLanguageModelV4({
  modelId: "order-desk-script",
  doStream: async (options) => {
    // Once the tool's result is in the prompt, the answer; before, the tool call.
    if (options.prompt.some((message) => message.role === "tool"))
      return {
        stream: simulateReadableStream({
          chunkDelayInMs: null,
          chunks: [
            { type: "stream-start", warnings: [] },
            { type: "text-start", id: "answer" },
            { type: "text-delta", id: "answer", delta: "Order A-1001 arrives on 2026-12-05." },
            { type: "text-end", id: "answer" },
            { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
          ],
        }),
      };
    return {
      stream: simulateReadableStream({
        chunkDelayInMs: null,
        chunks: [
          { type: "stream-start", warnings: [] },
          { type: "tool-call", toolCallId: "eta-1", toolName: shippingEta.name, input: JSON.stringify({ id: "A-1001" }) },
          { type: "finish", finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage },
        ],
      }),
    };
  },
});

export const orderDesk = aiSdkAgent({ name: "order-desk", model, instructions: "Answer questions about orders." });
