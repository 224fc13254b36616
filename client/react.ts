/**
 * @module
 * `@tether/client/react`: `useTether`, one hook for a session's live connection in React 19 —
 * its state, the runs as they stream, the tool calls waiting for a yes and the notifications of
 * the session, `send`, `cancel` and `approve`. It connects on mount, closes on unmount, and
 * survives strict mode's double mount (the first connection is closed, the second is the one shown).
 *
 *   const { state, runs, approvals, notifications, send, cancel, approve } = useTether({ url, getAccessToken });
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { connect, type TetherConnection } from "./connection.js";
import type { ConnectionState, ConnectOptions } from "./options.js";
import { RunLog, type PendingApproval, type TetherRun } from "./runs.js";
import { SessionInbox, type TetherNotification } from "./session-inbox.js";

export interface UseTetherOptions extends ConnectOptions {
  /** false: do not connect (signed out, say); the hook reports `closed`. Default true. */
  enabled?: boolean;
}

export interface TetherHandle {
  state: ConnectionState;
  /** Messages sent through `send` on this connection, with their runs, oldest first. */
  runs: readonly TetherRun[];
  /** Sends a user message (queued while reconnecting); its id, or null when not connected at all. */
  send(content: string, options?: { threadId?: string }): string | null;
  /** Stops a running run (its `runId` is on the run); false when it could not be asked. */
  cancel(runId: string): boolean;
  /** Every tool call of the session that waits for the user's yes, from this tab or any other, oldest first. */
  approvals: readonly PendingApproval[];
  /** The latest notifications services published for the user, oldest first. */
  notifications: readonly TetherNotification[];
  /** Answers an approval (queued while reconnecting); the frame's id, or null when not connected at all. */
  approve(approvalId: string, approved: boolean, reason?: string): string | null;
  /** The connection itself, for `request` and `on`; null before mount or when not enabled. */
  connection: TetherConnection | null;
}

export function useTether(options: UseTetherOptions): TetherHandle {
  // The callbacks may be new functions on every render; the connection reads the latest.
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const [connection, setConnection] = useState<TetherConnection | null>(null);
  const [state, setState] = useState<ConnectionState>(options.enabled === false ? "closed" : "connecting");
  const [log] = useState(() => new RunLog());
  const runs = useSyncExternalStore(log.subscribe, log.snapshot, log.snapshot);
  const [inbox] = useState(() => new SessionInbox());
  const { approvals, notifications } = useSyncExternalStore(inbox.subscribe, inbox.snapshot, inbox.snapshot);
  const enabled = options.enabled !== false;
  const { url } = options;

  useEffect(() => {
    if (!enabled) {
      setState("closed");
      return;
    }
    // Strict mode mounts twice: callbacks of a connection this effect has let go are ignored.
    let current = true;
    const created = connect({
      ...latest.current,
      url,
      getAccessToken: (request) => latest.current.getAccessToken(request),
      onEvent: (frame) => {
        if (!current) return;
        log.apply(frame);
        inbox.apply(frame);
        latest.current.onEvent?.(frame);
      },
      onStateChange: (next, detail) => {
        if (!current) return;
        setState(next);
        latest.current.onStateChange?.(next, detail);
      },
      onResyncNeeded: (detail) => {
        if (current) latest.current.onResyncNeeded?.(detail);
      },
    });
    setConnection(created);
    setState(created.state);
    return () => {
      current = false;
      created.close();
      setConnection(null);
    };
  }, [url, enabled, log, inbox]);

  const send = useCallback(
    (content: string, sendOptions: { threadId?: string } = {}) => {
      if (!connection) return null;
      const id = connection.send(content, sendOptions);
      log.sent(id, content, sendOptions.threadId ?? null);
      return id;
    },
    [connection, log],
  );
  const cancel = useCallback((runId: string) => connection?.cancel(runId) ?? false, [connection]);
  const approve = useCallback(
    (approvalId: string, approved: boolean, reason?: string) => connection?.approve(approvalId, approved, reason) ?? null,
    [connection],
  );
  return { state, runs, approvals, notifications, send, cancel, approve, connection };
}

export type { TetherRun, RunStatus, PendingApproval } from "./runs.js";
export type { TetherNotification } from "./session-inbox.js";
