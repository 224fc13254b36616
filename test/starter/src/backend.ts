// The backend Worker with the team's own agent and tool beside the starter's.
import { builtInTools, tether } from "@tether/server";
import { assistant } from "./agents/assistant.js";
import { orderDesk } from "./agents/order-desk.js";
import { lookupOrder } from "./tools/lookup-order.js";
import { shippingEta } from "./tools/shipping-eta.js";

const app = tether({ agents: { assistant, "order-desk": orderDesk }, tools: [...builtInTools, lookupOrder, shippingEta] });

export default app.worker;
export class UserSession extends app.UserSession {}
export class SessionControl extends app.SessionControl {}
