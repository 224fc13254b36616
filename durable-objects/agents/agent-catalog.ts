/**
 * @module
 * The agents an app gave `tether({ agents })`, and which one serves: `defaultAgent`, unless the
 * `AGENT` var names another of them (operations can switch without a code change). An agent is
 * given as itself or as a factory of the environment; a factory's throw is a configuration
 * problem, shown at /health and answered on a message with `error agent_unavailable`, never a 500.
 */
import { TetherConfigError } from "../../workers/shared/config-error.js";
import type { Agent } from "./agent.js";

/** What of the backend's environment agents may read: its vars and bindings. */
export interface AgentHostEnv {
  AGENT?: string;
}

/** Makes the agent from the backend's environment (a binding, a model id from a var); a throw names what is missing. */
export type AgentFactory<Env = AgentHostEnv> = (env: Env) => Agent<Env>;

/**
 * An agent as `tether({ agents })` takes it. Each reads its own env type; the runtime hands it the
 * backend's whole environment, which holds what its wrangler config declares.
 */
export type AgentEntry = Agent<unknown> | ((env: never) => Agent<unknown>);

export type AgentChoice = { ok: true; agent: Agent<unknown> } | { ok: false; problem: string };

const AGENT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class AgentCatalog {
  private readonly entries: ReadonlyMap<string, AgentEntry>;
  readonly defaultAgent: string;

  /** Checks the options: at least one agent, names a var can hold, a default that names one. */
  constructor(agents: Readonly<Record<string, AgentEntry>> | undefined, defaultAgent: string | undefined) {
    if (agents === undefined || typeof agents !== "object" || Object.keys(agents).length === 0)
      throw new TetherConfigError("agents", "give at least one agent, e.g. tether({ agents: { demo: demoAgent } })");
    for (const [name, entry] of Object.entries(agents)) {
      if (!AGENT_NAME.test(name)) throw new TetherConfigError(`agents.${name}`, "a name is 1–64 of a-z, 0-9, - and _");
      const isAgent = typeof entry === "object" && entry !== null && typeof entry.run === "function";
      if (!isAgent && typeof entry !== "function")
        throw new TetherConfigError(`agents.${name}`, "is neither an agent (an object with run()) nor a function of env that makes one");
    }
    this.entries = new Map(Object.entries(agents));
    const first = Object.keys(agents)[0] ?? "";
    this.defaultAgent = defaultAgent ?? first;
    if (!this.entries.has(this.defaultAgent))
      throw new TetherConfigError("defaultAgent", `"${this.defaultAgent}" names no agent (known: ${this.names().join(", ")})`);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Which agent serves: the one `AGENT` names, else `defaultAgent`. */
  chosenName(env: AgentHostEnv): string {
    return env.AGENT?.trim() || this.defaultAgent;
  }

  /** The agent `AGENT` (or `defaultAgent`) names, or why there is none. */
  choose(env: AgentHostEnv): AgentChoice {
    const name = this.chosenName(env);
    const entry = this.entries.get(name);
    if (!entry) return { ok: false, problem: `AGENT is "${name}", which names no agent (known: ${this.names().join(", ")})` };
    if (typeof entry !== "function") return { ok: true, agent: entry };
    try {
      // The env is the backend's, typed by the agent's own declaration of what it reads.
      return { ok: true, agent: entry(env as never) };
    } catch (error) {
      return { ok: false, problem: error instanceof Error ? error.message : `agent "${name}" could not be made` };
    }
  }
}
