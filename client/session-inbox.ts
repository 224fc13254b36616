/**
 * @module
 * What a session's stream asks of the user or tells them, from any tab or device of the session:
 * the tool calls that wait for a yes (`tool_approval_requested`, until answered or their run ends)
 * and the notifications services published (`notification`, the latest few). Framework-free, like
 * the run log (runs.ts): the React hook renders from its snapshots.
 */
import type { ServerFrame } from "@tether/protocol";
import { pendingApproval, type PendingApproval } from "./runs.js";

/** A service's event for the user (`POST /api/events`). */
export interface TetherNotification {
  eventId: string;
  name: string;
  data: unknown;
  threadId: string | null;
  receivedAt: string;
}

/** How many notifications an inbox keeps: the oldest go first. */
const MAX_NOTIFICATIONS = 50;

export interface InboxSnapshot {
  approvals: readonly PendingApproval[];
  notifications: readonly TetherNotification[];
}

export class SessionInbox {
  private current: InboxSnapshot = { approvals: [], notifications: [] };
  private readonly subscribers = new Set<() => void>();

  readonly snapshot = (): InboxSnapshot => this.current;

  readonly subscribe = (onChange: () => void): (() => void) => {
    this.subscribers.add(onChange);
    return () => this.subscribers.delete(onChange);
  };

  apply(frame: ServerFrame): void {
    const { approvals, notifications } = this.current;
    switch (frame.type) {
      case "tool_approval_requested":
        return this.update({ approvals: [...approvals, pendingApproval(frame)], notifications });
      case "ack":
        // An answer was stored (its `message_id` is the approval's id).
        return this.dropApprovals((approval) => approval.approvalId === frame.payload.message_id);
      case "tool_executing":
        return this.dropApprovals((approval) => approval.callId === frame.payload.call_id);
      case "agent_completed":
        return this.dropApprovals((approval) => approval.runId === frame.payload.run_id);
      case "error":
        // A run that failed asks nothing any more; an error about a bad frame has no such run.
        return this.dropApprovals((approval) => frame.reply_to !== undefined && approval.messageId === frame.reply_to);
      case "notification": {
        const received = {
          eventId: frame.event_id,
          name: frame.payload.name,
          data: frame.payload.data,
          threadId: frame.thread_id ?? null,
          receivedAt: frame.timestamp,
        };
        return this.update({ approvals, notifications: [...notifications, received].slice(-MAX_NOTIFICATIONS) });
      }
      default:
        return;
    }
  }

  private dropApprovals(answered: (approval: PendingApproval) => boolean): void {
    const approvals = this.current.approvals.filter((approval) => !answered(approval));
    if (approvals.length !== this.current.approvals.length) this.update({ ...this.current, approvals });
  }

  private update(next: InboxSnapshot): void {
    this.current = next;
    for (const subscriber of this.subscribers) subscriber();
  }
}
