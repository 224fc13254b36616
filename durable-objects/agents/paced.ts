import type { Agent, AgentEvent } from "./agent.js";

/**
 * An agent whose events come `delayMs` apart: the demo can look like it is thinking
 * (`DEMO_AGENT_STEP_DELAY_MS`), and fault tests get a run that is still in flight when they
 * reset the session object or cancel it. The wait ends early when the run is cancelled. A timer
 * in a request is fine in a Durable Object: it does not keep the object from hibernating
 * afterwards, as an interval would.
 */
export function paced<Env>(agent: Agent<Env>, delayMs: number): Agent<Env> {
  if (delayMs <= 0) return agent;
  const resume = agent.resume?.bind(agent);
  return {
    name: agent.name,
    run: (run) => pacedEvents(agent.run(run), delayMs, run.signal),
    ...(resume ? { resume: (run, approvals) => pacedEvents(resume(run, approvals), delayMs, run.signal) } : {}),
  };
}

async function* pacedEvents(events: AsyncIterable<AgentEvent>, delayMs: number, signal: AbortSignal): AsyncGenerator<AgentEvent> {
  for await (const event of events) {
    await pause(delayMs, signal);
    if (signal.aborted) return;
    yield event;
  }
}

/** Waits `ms`, or less if the signal fires first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    signal.addEventListener("abort", done, { once: true });
    void scheduler.wait(ms).then(() => {
      signal.removeEventListener("abort", done);
      resolve();
    });
  });
}
