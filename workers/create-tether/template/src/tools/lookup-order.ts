// Your tool: every run gets it (src/backend.ts), and a model calls it by name with input its
// schema checks first. Replace the table with your own data (a D1 query, a fetch to your API).
import { defineTool } from "@tether/server/agent";
import * as z from "zod";

const ORDERS: Record<string, { status: string; items: number }> = {
  "A-1001": { status: "shipped", items: 2 },
  "A-1002": { status: "processing", items: 1 },
};

export const lookupOrder = defineTool({
  name: "lookup_order",
  description: "Looks up an order by its id (like A-1001): its status and how many items it has.",
  inputSchema: z.strictObject({ id: z.string().min(1).max(32) }),
  run: ({ id }) => ORDERS[id] ?? { error: `no order ${id}` },
});
