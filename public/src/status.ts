/**
 * @module
 * The connection indicator and the access token's remaining lifetime, in the header.
 */
import type { ConnectionState, StateDetail, TetherConnection } from "@tether/client";
import { byId, show } from "./dom.js";

const LABELS: Record<ConnectionState, string> = {
  connecting: "connecting…",
  open: "connected",
  refreshing: "refreshing token…",
  reconnecting: "reconnecting…",
  closed: "offline",
  signed_out: "signed out",
};

/** The state in the header; after a reconnect, whether the missed events were replayed. */
export function showConnectionState(state: ConnectionState, detail: StateDetail = {}): void {
  const indicator = byId("connection");
  indicator.dataset.state = state;
  indicator.hidden = false;
  const resumed = state === "open" && detail.resumed !== undefined ? (detail.resumed ? " · resumed" : " · history reloaded") : "";
  byId("connection-label").textContent = `${LABELS[state]}${resumed}`;
}

function formatRemaining(ms: number): string {
  if (ms <= 0) return "token expired";
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return `token valid ${minutes > 0 ? `${minutes} min ` : ""}${seconds % 60} s`;
}

export interface LifetimeDisplay {
  /** Shows the current remaining lifetime now (on connect, after a refresh). */
  update(): void;
  stop(): void;
}

/** Ticks once a second while signed in. */
export function trackTokenLifetime(connection: TetherConnection): LifetimeDisplay {
  const update = () => {
    const expiresAt = connection.tokenExpiresAt;
    show("token-lifetime", expiresAt !== null);
    if (expiresAt) byId("token-lifetime").textContent = formatRemaining(expiresAt.getTime() - Date.now());
  };
  update();
  const timer = setInterval(update, 1000);
  return {
    update,
    stop() {
      clearInterval(timer);
      show("token-lifetime", false);
    },
  };
}
