import * as z from "zod";
import { MAX_MESSAGE_CONTENT_CHARS } from "@tether/protocol";
import { defineTool } from "../agent.js";

/**
 * The demo's tool that asks first: it "sends" a summary (nothing leaves the Worker; the output
 * says what would have gone where), so the page can show a person allowing or refusing a call.
 */
export const sendSummary = defineTool({
  name: "send_summary",
  description: "Sends a short summary of the conversation to the user by mail. Needs the user's approval.",
  inputSchema: z.strictObject({ to: z.string().min(1).max(320), summary: z.string().min(1).max(MAX_MESSAGE_CONTENT_CHARS) }),
  needsApproval: true,
  run: ({ to, summary }) => ({ sent_to: to, characters: [...summary].length }),
});
