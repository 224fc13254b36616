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

export {
  createAuthClient,
  type AccessTokenOptions,
  type AuthClient,
  type AuthClientOptions,
  type LoginResult,
  type MfaRequired,
} from "./auth.js";
export type { MfaClient, PasskeyClient, PasskeySummary } from "./strong-sign-in.js";
export { connect, TetherConnection, type ConnectionState, type ConnectOptions, type StateDetail, type TokenRequest } from "./connection.js";
export { LIVENESS_DEFAULTS, type LivenessOptions } from "./liveness.js";
export { RunLog, type PendingApproval, type RunStatus, type TetherRun } from "./runs.js";
export { SessionInbox, type InboxSnapshot, type TetherNotification } from "./session-inbox.js";
export { TetherApiError } from "./errors.js";
export { RequestFailed, type ReplyFrame, type RequestFailure, type RequestFrameType, type RequestPayloads } from "./outbox.js";
export {
  indexedDbTokenStore,
  memoryTokenStore,
  webStorageTokenStore,
  type KeyValueStorage,
  type StoredSession,
  type TokenStore,
} from "./token-store.js";
export type {
  ClientFrame,
  ClientFrameType,
  ClientPayloads,
  ErrorCode,
  MessageView,
  PublicUser,
  RequestReplies,
  ServerFrame,
  ServerFrameType,
  ServerPayloads,
  SessionSummary,
  SocketErrorCode,
  ThreadView,
  TokenResponse,
  MfaRequiredBody,
} from "@tether/protocol";
export { agentInstanceName, CLOSE_CODES, isFrameOf, SOCKET_ERROR_CODES } from "@tether/protocol";
export {
  tetherAgentOptions,
  type ReconnectingAgentSocket,
  type TetherAgentOptions,
  type TetherAgentOptionsConfig,
} from "./agent-options.js";
