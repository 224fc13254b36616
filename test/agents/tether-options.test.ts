import { describe, expect, it } from "vitest";
import * as z from "zod";
import { builtInTools, defineTool, demoAgent, tether } from "@tether/server";
import { configError } from "../support/config-error.js";

/** An app's options are checked when the Worker starts: a mistake names its option, before any request. */
const lookupOrder = defineTool({
  name: "lookup_order",
  description: "Finds an order.",
  inputSchema: z.strictObject({ id: z.string().max(64) }),
  run: ({ id }) => ({ id, status: "shipped" }),
});

describe("tether(options) at start-up", () => {
  it("accepts agents given as agents or as factories, with the app's tools and limits", () => {
    const app = tether({
      agents: { demo: demoAgent, plain: { name: "plain", async *run() {} } },
      tools: [...builtInTools, lookupOrder],
      limits: { wsMaxConcurrentRuns: 2 },
    });
    expect(typeof app.worker.fetch).toBe("function");
    expect(typeof app.UserSession).toBe("function");
    expect(typeof app.SessionControl).toBe("function");
  });

  it.each([
    ["no agents", {}, "agents"],
    ["an empty agents map", { agents: {} }, "agents"],
    ["an agent that is neither an agent nor a factory", { agents: { broken: 42 } }, "agents.broken"],
    ["an agent name a var cannot hold", { agents: { "Has Space": demoAgent } }, "agents.Has Space"],
    ["a defaultAgent that names none", { agents: { demo: demoAgent }, defaultAgent: "support" }, "defaultAgent"],
    ["two tools with one name", { agents: { demo: demoAgent }, tools: [lookupOrder, lookupOrder] }, "tools[1].name"],
    ["a tool that is not one", { agents: { demo: demoAgent }, tools: [{ name: "x" }] }, "tools[0]"],
    ["a limit out of bounds", { agents: { demo: demoAgent }, limits: { wsMaxConcurrentRuns: 0 } }, "limits.wsMaxConcurrentRuns"],
    [
      "a limit that is not an integer",
      { agents: { demo: demoAgent }, limits: { agentHistoryMessages: 2.5 } },
      "limits.agentHistoryMessages",
    ],
    ["an unknown limit", { agents: { demo: demoAgent }, limits: { maxRuns: 3 } }, "limits.maxRuns"],
  ])("throws a TetherConfigError naming the option for %s", (_case, options, option) => {
    const error = configError(() => tether(options as Parameters<typeof tether>[0]));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`option ${option}:`);
  });

  it("says which agents there are when defaultAgent names none", () => {
    const error = configError(() => tether({ agents: { demo: demoAgent, support: demoAgent }, defaultAgent: "sales" }));
    expect(error.message).toBe('option defaultAgent: "sales" names no agent (known: demo, support)');
  });
});
