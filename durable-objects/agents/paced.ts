import type { Agent } from "./agent.js";

/**
 * An agent whose steps come `delayMs` apart: the demo can look like it is thinking
 * (`DEMO_AGENT_STEP_DELAY_MS`), and fault tests get a run that is still in flight when they
 * reset the session object. A timer in a request is fine in a Durable Object: it does not keep the
 * object from hibernating afterwards, as an interval would.
 */
export function paced(agent: Agent, delayMs: number): Agent {
  if (delayMs <= 0) return agent;
  return {
    name: agent.name,
    async *run(input, tools) {
      for await (const step of agent.run(input, tools)) {
        await scheduler.wait(delayMs);
        yield step;
      }
    },
  };
}
