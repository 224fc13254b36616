// The backend Worker (wrangler.jsonc): your agents and tools behind Tether's sessions.
import { builtInTools, tether } from "@tether/server";
import { assistant } from "./agents/assistant.js";
import { lookupOrder } from "./tools/lookup-order.js";

const app = tether({ agents: { assistant }, tools: [...builtInTools, lookupOrder] });

export default app.worker;
export class UserSession extends app.UserSession {}
export class SessionControl extends app.SessionControl {}
