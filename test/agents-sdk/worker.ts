/**
 * @module
 * The example Agents SDK app (workers/agents-example) as the agents-sdk project's main Worker
 * (vitest.config.ts), its Chat answering from a scripted model (`ai/test`) instead of Workers AI.
 */
import type { LanguageModel } from "ai";
import { MockLanguageModelV4, simulateReadableStream } from "ai/test";
import { Chat as ExampleChat } from "../../workers/agents-example/src/chat.js";

export { default, SessionControl, TetherAgentSessions } from "../../workers/agents-example/src/server.js";

/** Answers every message with "echo: " and the message, in three chunks. */
const echoModel = new MockLanguageModelV4({
  modelId: "echo",
  doStream: async (options) => {
    const last = options.prompt.at(-1);
    const text = last?.role === "user" ? last.content.map((part) => (part.type === "text" ? part.text : "")).join("") : "";
    return {
      stream: simulateReadableStream({
        chunkDelayInMs: null,
        chunks: [
          { type: "stream-start", warnings: [] },
          { type: "text-start", id: "answer" },
          { type: "text-delta", id: "answer", delta: "echo" },
          { type: "text-delta", id: "answer", delta: ": " },
          { type: "text-delta", id: "answer", delta: text },
          { type: "text-end", id: "answer" },
          {
            type: "finish",
            finishReason: { unified: "stop", raw: "stop" },
            usage: {
              inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
              outputTokens: { total: 3, text: 3, reasoning: 0 },
            },
          },
        ],
      }),
    };
  },
});

export class Chat extends ExampleChat {
  protected override model(): LanguageModel {
    return echoModel;
  }
}

/** Overrides getConnectionTags without `super`, dropping withTether's session tag (guard.test.ts). */
export class UntaggedChat extends ExampleChat {
  override getConnectionTags(): string[] {
    return [];
  }
}
