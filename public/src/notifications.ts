import type { ServerFrame, TetherConnection } from "@tether/client";
import { byId, element, show } from "./dom.js";

/** The most notifications the panel keeps on screen; older ones drop off the end. */
const MAX_SHOWN = 20;

/**
 * The page's notifications panel: "Notify me" asks the demo service (`POST /demo/notify`,
 * workers/demo/backend.ts) to publish one for the signed-in user, and every `notification` the
 * connection receives — from that button in any tab or device, or any other publisher — is
 * listed, newest first. A notification missed while offline arrives on resume, once.
 */
export class Notifications {
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly accessToken: () => Promise<string | null>,
    private readonly onError: (message: string) => void,
  ) {
    byId("notify-me").addEventListener("click", () => void this.requestOne());
  }

  /** Listens to `connection` (replacing any earlier one) and shows the panel. */
  follow(connection: TetherConnection): void {
    this.stopListening?.();
    this.stopListening = connection.on("notification", (frame) => this.add(frame));
    show("notifications", true);
  }

  hide(): void {
    this.stopListening?.();
    this.stopListening = null;
    byId("notification-list").replaceChildren();
    show("notifications", false);
  }

  private add(frame: Extract<ServerFrame, { type: "notification" }>): void {
    const item = element("li", "notification");
    item.dataset.name = frame.payload.name;
    const data = frame.payload.data;
    const message = typeof data === "object" && data !== null && "message" in data ? String(data.message) : JSON.stringify(data);
    item.append(element("strong", "", frame.payload.name), element("span", "", ` ${message}`));
    const list = byId("notification-list");
    list.prepend(item);
    while (list.children.length > MAX_SHOWN) list.lastElementChild?.remove();
  }

  private async requestOne(): Promise<void> {
    const token = await this.accessToken();
    if (!token) return;
    const response = await fetch("/demo/notify", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    if (response.ok) return;
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    this.onError(body?.error?.message ?? `The demo service answered ${response.status}.`);
  }
}
