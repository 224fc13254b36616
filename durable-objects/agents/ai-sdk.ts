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
 * | tool-approval-request          | approval_request → `tool_approval_requested` (its tool-call held back) |
 * | tool-output-denied             | tool_error "denied" → `tool_completed`     |
 *
 * The run's signal is the model call's `abortSignal`, so a cancel stops the model too.
 *
 * Approval is the AI SDK's own flow: a tool with `needsApproval` (Tether's, or an AI SDK tool of
 * `tools`) ends the step with a `tool-approval-request`; the conversation so far is the run's
 * stored state, and `resume` calls the model again with it and the person's answers as
 * `tool-approval-response`s — the SDK then runs the approved call, or tells the model it was denied.
 */
import { isStepCount, streamText, tool, type LanguageModel, type ModelMessage, type TextStreamPart, type ToolSet } from "ai";
import * as z from "zod";
import type { Agent, AgentEnv, AgentEvent, AgentRun, ApprovalResumption, Toolbox } from "./agent.js";
import { DENIED, needsApproval } from "./toolbox.js";

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
  /** AI SDK tools beside the app's Tether tools (their `needsApproval` is honoured too). */
  tools?: ToolSet;
}

const DEFAULT_MAX_STEPS = 5;

/** What a waiting run keeps: the conversation up to the approval requests, and the SDK's id of each. */
const StoredConversation = z.object({
  messages: z.array(z.record(z.string(), z.unknown())),
  approvalIds: z.record(z.string(), z.string()),
});

export function aiSdkAgent<Env = AgentEnv>(options: AiSdkAgentOptions<Env>): Agent<Env> {
  const call = (run: AgentRun<Env>, messages: ModelMessage[]) => {
    const model = typeof options.model === "function" ? options.model(run) : options.model;
    const result = streamText({
      model,
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
      messages,
      tools: { ...options.tools, ...aiSdkTools(run.tools) },
      stopWhen: isStepCount(options.maxSteps ?? DEFAULT_MAX_STEPS),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      abortSignal: run.signal,
      // Errors arrive as stream parts and end the run; the SDK's own console logging is not wanted.
      onError: () => undefined,
    });
    return agentEvents(result, messages, typeof model === "string" ? model : model.modelId);
  };
  return {
    name: options.name,
    run(run) {
      const messages: ModelMessage[] = [
        ...run.history.map((message): ModelMessage => ({ role: message.role, content: message.content })),
        { role: "user", content: run.message.content },
      ];
      return call(run, messages);
    },
    async *resume(run, approvals: ApprovalResumption) {
      const stored = StoredConversation.parse(approvals.state);
      const answers: ModelMessage = {
        role: "tool",
        content: approvals.decisions.map((decision) => ({
          type: "tool-approval-response" as const,
          approvalId: stored.approvalIds[decision.callId] ?? decision.callId,
          approved: decision.approved,
          ...(decision.reason === undefined ? {} : { reason: decision.reason }),
        })),
      };
      // The SDK runs an approved call without a new tool-call part: its tool_executing goes out here, before it runs.
      for (const decision of approvals.decisions) {
        yield { type: "tool_call", callId: decision.callId, toolName: decision.toolName, input: decision.input };
      }
      const reasons = new Map(approvals.decisions.map((decision) => [decision.callId, decision.reason]));
      for await (const event of call(run, [...(stored.messages as ModelMessage[]), answers])) {
        const reason = event.type === "tool_error" && event.error === DENIED ? reasons.get(event.callId) : undefined;
        yield reason === undefined ? event : { ...event, reason };
      }
    },
  };
}

/** Tether's tools as AI SDK tools: their schemas for the model, their code through the toolbox, their approval rule. */
export function aiSdkTools(toolbox: Toolbox): ToolSet {
  return Object.fromEntries(
    toolbox.tools.map((definition) => [
      definition.name,
      tool({
        description: definition.description,
        inputSchema: definition.inputSchema,
        ...(definition.needsApproval === undefined ? {} : { needsApproval: (input: unknown) => needsApproval(definition, input) }),
        execute: async (input: unknown) => {
          const outcome = await toolbox.execute(definition.name, input);
          if (!outcome.ok) throw new Error(outcome.error);
          return outcome.output;
        },
      }),
    ]),
  );
}

interface StreamedRun {
  fullStream: AsyncIterable<TextStreamPart<ToolSet>>;
  response: PromiseLike<{ messages: ModelMessage[] }>;
}

/**
 * The stream's parts as agent events. A tool-call is held back one part: if an approval request
 * for it follows, it becomes an `approval_request` (no `tool_executing` for a call that has not
 * run); the requests go out once the stream has ended, with the conversation to resume from.
 */
async function* agentEvents(result: StreamedRun, sent: ModelMessage[], modelId: string): AsyncGenerator<AgentEvent> {
  const reasoning = new Map<string, string>();
  let held: Extract<AgentEvent, { type: "tool_call" }> | null = null;
  const requests: Extract<AgentEvent, { type: "approval_request" }>[] = [];
  const approvalIds: Record<string, string> = {};
  let finished: AgentEvent[] = [];
  for await (const part of result.fullStream) {
    if (part.type === "tool-approval-request" && !part.isAutomatic && held?.callId === part.toolCall.toolCallId) {
      requests.push({ type: "approval_request", callId: held.callId, toolName: held.toolName, input: held.input });
      approvalIds[held.callId] = part.approvalId;
      held = null;
      continue;
    }
    if (held) yield held;
    held = null;
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
        held = { type: "tool_call", callId: part.toolCallId, toolName: part.toolName, input: part.input };
        break;
      case "tool-output-denied":
        yield { type: "tool_error", callId: part.toolCallId, error: DENIED };
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
        // Held to the end: a run that stops for approval has not finished (its resume reports the usage).
        finished = [
          { type: "report", report: { model: modelId, finish_reason: part.finishReason, usage } },
          { type: "finish", metrics: usage },
        ];
        break;
      }
      case "error":
        throw part.error instanceof Error ? part.error : new Error(String(part.error));
      default:
        break;
    }
  }
  if (held) yield held;
  if (requests.length === 0) return yield* finished;
  const state = { messages: [...sent, ...(await result.response).messages], approvalIds };
  for (const request of requests) yield { ...request, state };
}
