/**
 * @module
 * The threads sidebar: the user's threads, most recent first, the current one marked; "New thread"
 * starts an empty conversation that the first message turns into a thread. Threads come over the
 * socket (`list_threads`), typed by the SDK.
 */
import type { TetherConnection, ThreadView } from "@tether/client";
import { byId, element } from "./dom.js";

export class ThreadList {
  private threads: ThreadView[] = [];
  /** The thread shown; undefined: a new conversation, not yet a thread. */
  current: string | undefined;

  constructor(private readonly open: (threadId: string | undefined) => void) {
    byId("new-thread").addEventListener("click", () => this.select(undefined));
  }

  /** Lists the threads again (after sign-in, or when a message made a new one). */
  async refresh(connection: TetherConnection): Promise<void> {
    const reply = await connection.request("list_threads", {});
    this.threads = reply.payload.threads;
    this.render();
  }

  /** The most recently active thread, if there is one. */
  latest(): string | undefined {
    return this.threads[0]?.id;
  }

  /** Marks a thread as the current one without loading it (the first message just made it). */
  adopt(threadId: string): void {
    this.current = threadId;
    this.render();
  }

  select(threadId: string | undefined): void {
    this.current = threadId;
    this.render();
    this.open(threadId);
  }

  clear(): void {
    this.threads = [];
    this.current = undefined;
    this.render();
  }

  private render(): void {
    byId("thread-list").replaceChildren(
      ...this.threads.map((thread) => {
        const button = element("button", "thread", thread.name);
        button.type = "button";
        if (thread.id === this.current) button.setAttribute("aria-current", "true");
        button.addEventListener("click", () => this.select(thread.id));
        const item = element("li", "");
        item.append(button);
        return item;
      }),
    );
  }
}
