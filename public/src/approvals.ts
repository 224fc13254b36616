import { SessionInbox, type PendingApproval, type TetherConnection } from "@tether/client";
import { byId, element, show } from "./dom.js";

/**
 * The page's "Waiting for your approval" panel: every tool call of the session that asks the user
 * first (the demo's `send_summary`), from this tab's conversation or another's, with Allow and
 * Deny. An answer from any tab or device settles it everywhere: the request leaves every panel
 * once the server has stored an answer (its `ack`) or the call runs.
 */
export class ApprovalsPanel {
  private inbox = new SessionInbox();
  private stopListening: (() => void) | null = null;

  /** Listens to `connection` (replacing any earlier one). */
  follow(connection: TetherConnection): void {
    this.hide();
    const inbox = new SessionInbox();
    this.inbox = inbox;
    const stopInbox = inbox.subscribe(() => this.render(connection));
    const stops = (["tool_approval_requested", "ack", "tool_executing", "agent_completed", "error"] as const).map((type) =>
      connection.on(type, (frame) => inbox.apply(frame)),
    );
    this.stopListening = () => {
      stopInbox();
      for (const stop of stops) stop();
    };
  }

  hide(): void {
    this.stopListening?.();
    this.stopListening = null;
    byId("approval-list").replaceChildren();
    show("approvals", false);
  }

  private render(connection: TetherConnection): void {
    const { approvals } = this.inbox.snapshot();
    byId("approval-list").replaceChildren(...approvals.map((approval) => this.item(approval, connection)));
    show("approvals", approvals.length > 0);
  }

  private item(approval: PendingApproval, connection: TetherConnection): HTMLLIElement {
    const item = element("li", "approval");
    item.dataset.approvalId = approval.approvalId;
    const allow = element("button", "allow", "Allow");
    const deny = element("button", "deny", "Deny");
    for (const [button, approved] of [
      [allow, true],
      [deny, false],
    ] as const) {
      button.type = "button";
      button.onclick = () => {
        allow.disabled = true;
        deny.disabled = true;
        connection.approve(approval.approvalId, approved, approved ? undefined : "Denied on the demo page.");
      };
    }
    item.append(
      element("strong", "", `${approval.toolName} wants to run`),
      element("pre", "input", JSON.stringify(approval.input, null, 1) ?? ""),
      allow,
      deny,
    );
    return item;
  }
}
