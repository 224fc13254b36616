/**
 * @module
 * One agent run through the runner alone (no session object): what it published, and its outcome.
 */
import type { Agent, HistoryMessage } from "../../../durable-objects/agents/agent.js";
import { runAgent, type RunOutcome } from "../../../durable-objects/agents/runner.js";
import { toolbox } from "../../../durable-objects/agents/toolbox.js";
import { calculator } from "../../../durable-objects/agents/tools/calculator.js";
import type { ServerFrameType, ServerPayloads } from "@tether/protocol";

export interface Published {
  type: ServerFrameType;
  payload: ServerPayloads[ServerFrameType];
}

export interface DirectRun {
  outcome: RunOutcome;
  published: Published[];
  types: ServerFrameType[];
}

export async function runDirectly<Env>(
  agent: Agent<Env>,
  options: {
    content?: string;
    signal?: AbortSignal;
    /** Reads the history; it is shown what was published up to then. */
    history?: (publishedSoFar: readonly Published[]) => Promise<HistoryMessage[]>;
    env?: Env;
  } = {},
): Promise<DirectRun> {
  const published: Published[] = [];
  const signal = options.signal ?? new AbortController().signal;
  const outcome = await runAgent<Env>({
    agent,
    runId: "run-1",
    threadId: "thread-1",
    message: { id: "m1", content: options.content ?? "hello" },
    user: { id: "u1", email: "u@example.com", name: "U", emailVerified: true },
    tools: toolbox([calculator], signal),
    env: options.env as Env,
    signal,
    history: async () => (options.history ? options.history(published) : []),
    publish: (type, payload) => published.push({ type, payload }),
  });
  return { outcome, published, types: published.map((event) => event.type) };
}
