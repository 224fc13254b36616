/**
 * @module
 * The HTTP contract of the auth routes that hand out tokens, shared with the client SDK.
 */
import type { PublicUser } from "./rpc.js";

/** The body of register, login, dev login, refresh and the OAuth handoff. */
export interface TokenResponse {
  user: PublicUser;
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}
