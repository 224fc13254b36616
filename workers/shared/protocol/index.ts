/**
 * @module
 * `@tether/protocol`: the contract between Tether's Workers and its clients, in one place that both
 * import — the WebSocket protocol of `/ws` (socket.ts) and the bodies and error codes of the HTTP
 * API (http.ts). Types and constants only, no runtime dependency, so the client SDK bundles it
 * without pulling any server code. docs/protocol.md is its prose.
 */
export * from "./socket.js";
export * from "./http.js";
export * from "./agent-instance.js";
