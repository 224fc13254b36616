/**
 * @module
 * The access token a connection holds: which one to ask the app for before an attempt (any valid
 * token, or a newer one after a 4001), when it expires, and the in-band refresh that a
 * `token_expiring` frame starts.
 */
import type { ClientFrame, ServerFrame } from "@tether/protocol";
import { AttemptFailed } from "./close-policy.js";
import type { ConnectOptions, TokenRequest } from "./options.js";

/** What asking the app for a newer token during a connection came to. */
export type InBandRefresh =
  | { kind: "send"; frame: Extract<ClientFrame, { type: "auth_refresh" }> }
  /** The app has no newer token than the socket's: nothing to send. */
  | { kind: "unchanged" }
  | { kind: "signed_out" }
  /** The app's token source failed (auth out of reach): the socket goes on until it closes 4001. */
  | { kind: "unavailable" };

export class ConnectionToken {
  private token: string | null = null;
  private nextReason: TokenRequest["reason"] = "connect";
  private refreshId: string | null = null;
  private expires: Date | null = null;

  constructor(private readonly getAccessToken: ConnectOptions["getAccessToken"]) {}

  get expiresAt(): Date | null {
    return this.expires;
  }

  /** The token for the next socket; `AttemptFailed` when the app's source fails (`retry`) or has none (`signed_out`). */
  async forAttempt(): Promise<string> {
    let token: string | null;
    try {
      // `current` only when it must be replaced: a reconnect after a drop reuses a token still valid
      // (asking for a new one on every attempt would spend refreshes and meet their rate limit).
      const reason = this.nextReason;
      token = await this.getAccessToken({ reason, current: reason === "connect" ? null : this.token });
    } catch {
      throw new AttemptFailed("retry");
    }
    if (token === null) throw new AttemptFailed("signed_out", undefined, "no_token");
    this.token = token;
    return token;
  }

  /** A socket closed: after 4001 the next attempt needs a newer token than this one. */
  closed(tokenExpired: boolean): void {
    this.nextReason = tokenExpired ? "expired" : "connect";
  }

  /** A socket was welcomed with this token. */
  welcomed(frame: ServerFrame<"connection_established">): void {
    this.expires = new Date(frame.payload.token_expires_at);
    this.nextReason = "connect";
  }

  /** The socket is gone: a refresh in flight on it will be answered by no one. */
  disconnected(): void {
    this.refreshId = null;
  }

  /** `token_expiring`: asks the app for a newer token; the frame to send, if there is one. */
  async refresh(): Promise<InBandRefresh> {
    let token: string | null;
    try {
      token = await this.getAccessToken({ reason: "expiring", current: this.token });
    } catch {
      return { kind: "unavailable" };
    }
    if (token === null) return { kind: "signed_out" };
    if (token === this.token) return { kind: "unchanged" };
    this.token = token;
    this.refreshId = crypto.randomUUID();
    return { kind: "send", frame: { type: "auth_refresh", id: this.refreshId, payload: { token } } };
  }

  /** Whether `frame` answers the refresh in flight (`auth_refreshed`, or an `error` refusing it); the refresh is then over. */
  answers(frame: ServerFrame): boolean {
    if (frame.type === "auth_refreshed") this.expires = new Date(frame.payload.token_expires_at);
    if (this.refreshId === null || frame.reply_to !== this.refreshId) return false;
    this.refreshId = null;
    return true;
  }
}
