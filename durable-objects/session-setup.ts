/**
 * @module
 * What an app's `tether(options)` gives every session object: its agents, its tools and its
 * settings table. Checked once, at start-up; a session object only reads it.
 */
import { BACKEND_SETTINGS, type BackendLimits, type BackendSettings } from "../workers/shared/backend-config.js";
import { TetherConfigError } from "../workers/shared/config-error.js";
import { withAppDefaults } from "../workers/shared/config.js";
import type { Tool } from "./agents/agent.js";
import { AgentCatalog, type AgentEntry } from "./agents/agent-catalog.js";
import { builtInTools } from "./agents/tools/built-in.js";

export interface SessionSetup {
  agents: AgentCatalog;
  /** Every run's tools, by unique name. */
  tools: readonly Tool[];
  /** The backend's settings with the app's defaults (`limits`); vars still win. */
  settings: BackendSettings;
}

export interface SessionSetupOptions {
  agents: Readonly<Record<string, AgentEntry>>;
  defaultAgent?: string;
  tools?: readonly Tool[];
  limits?: BackendLimits;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The options checked; a mistake throws {@link TetherConfigError} naming the option. */
export function sessionSetup(options: SessionSetupOptions): SessionSetup {
  const tools = options.tools ?? builtInTools;
  if (!Array.isArray(tools)) throw new TetherConfigError("tools", "must be an array of tools made with defineTool()");
  const seen = new Set<string>();
  tools.forEach((tool: Tool, index) => {
    if (typeof tool !== "object" || tool === null || typeof tool.run !== "function" || typeof tool.name !== "string")
      throw new TetherConfigError(`tools[${index}]`, "is not a tool: make one with defineTool({ name, description, inputSchema, run })");
    // Model APIs take tool names of this shape; a name outside it fails at the first model call.
    if (!TOOL_NAME.test(tool.name)) throw new TetherConfigError(`tools[${index}].name`, "is 1–64 of a-z, A-Z, 0-9, _ and -");
    if (seen.has(tool.name)) throw new TetherConfigError(`tools[${index}].name`, `"${tool.name}" is the name of an earlier tool too`);
    seen.add(tool.name);
  });
  return {
    agents: new AgentCatalog(options.agents, options.defaultAgent),
    tools,
    settings: withAppDefaults(BACKEND_SETTINGS, options.limits, "limits"),
  };
}
