/**
 * @module
 * The Tether client SDK: for browsers and Node 22+, typed from the server's own protocol.
 *
 *   const auth = createAuthClient({ store: indexedDbTokenStore() });
 *   await auth.login({ email, password });
 *   const connection = connect({
 *     url: "wss://app.example/ws",
 *     getAccessToken: ({ current }) => auth.accessToken({ replacing: current }),
 *     onEvent: (frame) => console.log(frame.type, frame.payload),
 *   });
 *   connection.send("what is 12 * (3 + 4)?");
 */

export { createAuthClient, type AccessTokenOptions, type AuthClient, type AuthClientOptions, type SessionSummary } from "./auth.js";
export { connect, TetherConnection, type ConnectionState, type ConnectOptions, type TokenRequest } from "./connection.js";
export { TetherApiError } from "./errors.js";
export { RequestFailed, type RequestFrameType, type RequestPayloads } from "./outbox.js";
export {
  indexedDbTokenStore,
  memoryTokenStore,
  webStorageTokenStore,
  type KeyValueStorage,
  type StoredSession,
  type TokenStore,
} from "./token-store.js";
export type { ServerFrame, ServerFrameType, ServerPayloads, ThreadView, MessageView } from "../workers/shared/protocol.js";
export type { TokenResponse } from "../workers/shared/auth-api.js";
export type { PublicUser } from "../workers/shared/rpc.js";
