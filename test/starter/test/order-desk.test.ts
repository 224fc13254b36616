import { afterAll, beforeAll, expect, it } from "vitest";
import type { ServerFrame } from "@tether/client";
import { signUpAndAsk, startDevServer, type DevServer } from "./dev-server.js";

// The app with AGENT = "order-desk": the team's agent answers, through the team's tool.
let app: DevServer;
beforeAll(async () => {
  app = await startDevServer(["--var", "AGENT:order-desk"]);
});
afterAll(() => app?.stop());

it("runs the team's AI SDK agent through the team's tool, over a real socket", async () => {
  const { completed, frames } = await signUpAndAsk(app, "when does A-1001 arrive?");
  expect(completed.payload).toMatchObject({ status: "completed", agent_name: "order-desk", result: "Order A-1001 arrives on 2026-12-05." });
  const toolDone = frames.find((frame): frame is ServerFrame<"tool_completed"> => frame.type === "tool_completed");
  expect(toolDone?.payload).toMatchObject({ tool_name: "shipping_eta", output: { id: "A-1001", arrives: "2026-12-05" } });
});
