// A tool of the team's own: when an order arrives, by its id.
import { defineTool } from "@tether/server/agent";
import * as z from "zod";

export const shippingEta = defineTool({
  name: "shipping_eta",
  description: "When an order (an id like A-1001) will arrive.",
  inputSchema: z.strictObject({ id: z.string().min(1).max(32) }),
  run: ({ id }) => ({ id, arrives: id === "A-1001" ? "2026-12-05" : "unknown" }),
});
