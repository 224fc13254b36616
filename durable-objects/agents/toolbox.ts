/**
 * @module
 * The toolbox a run gets: Tether's tools, run with their input checked against their schemas,
 * with or without the events that report the call. A call to a tool with `needsApproval` asks
 * first (`approval_request`, then {@link ApprovalPending}); in a resumed run the person's answers
 * are known, and the same call runs — or is denied — without asking again.
 */
import { ApprovalPending, type AgentEvent, type ApprovalDecision, type Tool, type ToolOutcome, type Toolbox } from "./agent.js";

function describeError(error: unknown): string {
  if (error instanceof Error && error.name === "ZodError") return "the input does not match the tool's schema";
  return error instanceof Error ? error.message : "the tool failed";
}

/** Whether a call of `tool` with `input` must wait for a person. A check that throws asks (fail closed), but an input the schema refuses fails as a call instead. */
export async function needsApproval(tool: Tool, input: unknown): Promise<boolean> {
  if (typeof tool.needsApproval !== "function") return tool.needsApproval === true;
  if (!tool.inputSchema.safeParse(input).success) return false;
  try {
    return await tool.needsApproval(input);
  } catch {
    return true;
  }
}

/** The same call as one a person answered: the tool, and the input as JSON. */
const sameCall = (decision: ApprovalDecision, toolName: string, input: unknown) =>
  decision.toolName === toolName && JSON.stringify(decision.input) === JSON.stringify(input);

export const DENIED = "denied";

/** @param decisions the answers a resumed run was given; each serves one call. */
export function toolbox(tools: readonly Tool[], signal: AbortSignal, decisions: readonly ApprovalDecision[] = []): Toolbox {
  const unused = [...decisions];
  const execute = async (toolName: string, input: unknown): Promise<ToolOutcome> => {
    const tool = tools.find((candidate) => candidate.name === toolName);
    if (!tool) return { ok: false, error: `no tool named ${toolName}` };
    try {
      return { ok: true, output: await tool.run(input, { signal }) };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  };
  return {
    tools,
    execute,
    async *call(toolName: string, input: unknown): AsyncGenerator<AgentEvent, ToolOutcome> {
      const answered = unused.findIndex((decision) => sameCall(decision, toolName, input));
      const decision = answered === -1 ? undefined : unused.splice(answered, 1)[0];
      const callId = decision?.callId ?? crypto.randomUUID();
      const tool = tools.find((candidate) => candidate.name === toolName);
      if (!decision && tool && (await needsApproval(tool, input))) {
        yield { type: "approval_request", callId, toolName, input };
        throw new ApprovalPending(callId);
      }
      yield { type: "tool_call", callId, toolName, input };
      if (decision && !decision.approved) {
        yield { type: "tool_error", callId, error: DENIED, ...(decision.reason === undefined ? {} : { reason: decision.reason }) };
        return { ok: false, error: DENIED };
      }
      const outcome = await execute(toolName, input);
      yield outcome.ok ? { type: "tool_result", callId, output: outcome.output } : { type: "tool_error", callId, error: outcome.error };
      return outcome;
    },
  };
}
