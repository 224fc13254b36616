/**
 * @module
 * Any AI SDK language model as a Tether agent (docs/agents.md). The model streams
 * through `streamText` with the thread's history and Tether's tools, and its stream becomes agent
 * events:
 *
 * | AI SDK stream part             | agent event → frame                        |
 * |--------------------------------|--------------------------------------------|
 * | reasoning (one block)          | thinking → `agent_thinking`                |
 * | tool-call                      | tool_call → `tool_executing`               |
 * | tool-result / tool-error       | tool_result / tool_error → `tool_completed` |
 * | text-delta                     | text → `partial_result`                    |
 * | finish (reason, total usage)   | report → `final_report`; finish → `metrics` |
 * | error                          | thrown: the run ends with `error run_failed` |
 *
 * The run's signal is the model call's `abortSignal`, so a cancel stops the model too.
 */
import { isStepCount, streamText, tool, type LanguageModel, type ModelMessage, type TextStreamPart, type ToolSet } from "ai";
import type { Agent, AgentEnv, AgentEvent, AgentRun, Toolbox } from "./agent.js";

export interface AiSdkAgentOptions<Env> {
  /** The `agent_name` clients see. */
  name: string;
  /** The model, or how to make it from the run (for a binding in `run.env`). */
  model: LanguageModel | ((run: AgentRun<Env>) => LanguageModel);
  /** The system instructions. */
  instructions?: string;
  /** Model calls per run, tool rounds included (default 5). */
  maxSteps?: number;
  /** Retries of a model call that failed with a retryable error (a 429, a 5xx), with backoff (default 2, the AI SDK's). */
  maxRetries?: number;
}

const DEFAULT_MAX_STEPS = 5;

export function aiSdkAgent<Env = AgentEnv>(options: AiSdkAgentOptions<Env>): Agent<Env> {
  return {
    name: options.name,
    async *run(run) {
      const model = typeof options.model === "function" ? options.model(run) : options.model;
      const messages: ModelMessage[] = [
        ...run.history.map((message): ModelMessage => ({ role: message.role, content: message.content })),
        { role: "user", content: run.message.content },
      ];
      const result = streamText({
        model,
        ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
        messages,
        tools: aiSdkTools(run.tools),
        stopWhen: isStepCount(options.maxSteps ?? DEFAULT_MAX_STEPS),
        ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
        abortSignal: run.signal,
        // Errors arrive as stream parts and end the run; the SDK's own console logging is not wanted.
        onError: () => undefined,
      });
      yield* agentEvents(result.fullStream, typeof model === "string" ? model : model.modelId);
    },
  };
}

/** Tether's tools as AI SDK tools: their schemas for the model, their code through the toolbox. */
export function aiSdkTools(toolbox: Toolbox): ToolSet {
  return Object.fromEntries(
    toolbox.tools.map((definition) => [
      definition.name,
      tool({
        description: definition.description,
        inputSchema: definition.inputSchema,
        execute: async (input: unknown) => {
          const outcome = await toolbox.execute(definition.name, input);
          if (!outcome.ok) throw new Error(outcome.error);
          return outcome.output;
        },
      }),
    ]),
  );
}

async function* agentEvents(stream: AsyncIterable<TextStreamPart<ToolSet>>, modelId: string): AsyncGenerator<AgentEvent> {
  const reasoning = new Map<string, string>();
  for await (const part of stream) {
    switch (part.type) {
      case "reasoning-start":
        reasoning.set(part.id, "");
        break;
      case "reasoning-delta":
        reasoning.set(part.id, (reasoning.get(part.id) ?? "") + part.text);
        break;
      case "reasoning-end": {
        const thought = reasoning.get(part.id)?.trim();
        reasoning.delete(part.id);
        if (thought) yield { type: "thinking", thought };
        break;
      }
      case "text-delta":
        yield { type: "text", delta: part.text };
        break;
      case "tool-call":
        yield { type: "tool_call", callId: part.toolCallId, toolName: part.toolName, input: part.input };
        break;
      case "tool-result":
        yield { type: "tool_result", callId: part.toolCallId, output: part.output };
        break;
      case "tool-error":
        yield { type: "tool_error", callId: part.toolCallId, error: part.error instanceof Error ? part.error.message : String(part.error) };
        break;
      case "finish": {
        const usage = {
          input_tokens: part.totalUsage.inputTokens ?? 0,
          output_tokens: part.totalUsage.outputTokens ?? 0,
          total_tokens: part.totalUsage.totalTokens ?? 0,
        };
        yield { type: "report", report: { model: modelId, finish_reason: part.finishReason, usage } };
        yield { type: "finish", metrics: usage };
        break;
      }
      case "error":
        throw part.error instanceof Error ? part.error : new Error(String(part.error));
      default:
        break;
    }
  }
}
