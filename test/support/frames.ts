/**
 * @module
 * Narrowing received frames by type, for tests in workerd and Node alike: the protocol's own
 * `ServerFrame<T>` with its payload, never a frame type of the tests' making.
 */
import { isFrameOf, type ServerFrame, type ServerFrameType } from "@tether/protocol";

export { isFrameOf as isFrame } from "@tether/protocol";

export function framesOfType<T extends ServerFrameType>(frames: readonly ServerFrame[], type: T): Extract<ServerFrame, { type: T }>[] {
  return frames.filter((frame): frame is Extract<ServerFrame, { type: T }> => isFrameOf(frame, type));
}

/**
 * the protocol's completeness rule for one run's sequenced frames, in arrival order: ack, then
 * agent_started, agent_thinking, tool_executing/tool_completed pairs with matching call ids,
 * partial_results ending with one complete, an optional final_report, and exactly one
 * agent_completed with `status: "completed"`, last;
 * every event after the ack of the same run and thread. (Whether `seq` is contiguous is a property
 * of the session's stream, not of one run: runs of a session may interleave.)
 */
export function expectCompleteRun(run: readonly ServerFrame[]): void {
  const types = run.map((frame) => frame.type);
  const problems: string[] = [];
  if (types[0] !== "ack") problems.push("does not start with ack");
  if (types[1] !== "agent_started") problems.push("agent_started is not second");
  if (types[2] !== "agent_thinking") problems.push("agent_thinking is not third");
  if (types.filter((type) => type === "agent_completed").length !== 1 || types.at(-1) !== "agent_completed") {
    problems.push("agent_completed is not once and last");
  }
  // The report is optional (docs/protocol.md); when there is one it comes just before the end.
  if (types.includes("final_report") && types.at(-2) !== "final_report") problems.push("final_report is not just before agent_completed");
  const completed = run.at(-1);
  if (isFrameOf(completed, "agent_completed") && completed.payload.status !== "completed")
    problems.push("agent_completed is not completed");
  const callIds = (type: "tool_executing" | "tool_completed") => framesOfType(run, type).map((frame) => frame.payload.call_id);
  if (JSON.stringify(callIds("tool_executing")) !== JSON.stringify(callIds("tool_completed"))) problems.push("tool calls unpaired");
  const partials = framesOfType(run, "partial_result").map((frame) => frame.payload.is_complete);
  if (partials.length === 0 || partials.at(-1) !== true || partials.slice(0, -1).some(Boolean))
    problems.push("partials do not end complete, once");
  if (new Set(run.map((frame) => frame.thread_id)).size !== 1) problems.push("more than one thread_id");
  const runIds = new Set(run.slice(1).map((frame) => ("run_id" in frame.payload ? frame.payload.run_id : undefined)));
  if (runIds.size !== 1) problems.push("more than one run_id");
  if (problems.length > 0) throw new Error(`incomplete run (${problems.join("; ")}): ${types.join(", ")}`);
}
