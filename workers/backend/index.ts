import { backendApp } from "./app.js";
import type { BackendBindings } from "./config.js";

export { UserSession } from "../../durable-objects/user-session.js";
export { SessionControl } from "./session-control.js";

export default {
  fetch: (request, env, ctx) => backendApp.fetch(request, env, ctx),
} satisfies ExportedHandler<BackendBindings>;
