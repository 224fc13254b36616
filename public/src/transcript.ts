import type { MessageView, ServerFrame } from "@tether/client";
import { element } from "./dom.js";

/**
 * The conversation as it streams in: each user message, and under it the agent's run — its
 * thoughts, each tool call with input and output, the answer as it is written, and the outcome.
 * Runs are keyed by the user message's id (`reply_to`), so events from other tabs find their place.
 */
interface RunView {
  item: HTMLLIElement;
  /** Shown while the run goes: stops it. */
  stop: HTMLButtonElement;
  steps: HTMLElement;
  answer: HTMLParagraphElement;
  meta: HTMLParagraphElement;
  tools: Map<string, HTMLElement>;
}

const json = (value: unknown) => JSON.stringify(value, null, 1) ?? "";

export class Transcript {
  private readonly runs = new Map<string, RunView>();
  private readonly sentMessages = new Map<string, HTMLElement>();

  /** @param onStop asks for a run to be stopped (the connection's `cancel`). */
  constructor(
    private readonly list: HTMLOListElement,
    private readonly onStop: (runId: string) => void,
  ) {}

  clear(): void {
    this.list.replaceChildren();
    this.runs.clear();
    this.sentMessages.clear();
  }

  /** Earlier messages of the thread, from `/api/threads/:id/messages`. */
  showHistory(messages: MessageView[]): void {
    for (const message of messages) this.list.append(element("li", `message ${message.role === "user" ? "user" : "run"}`, message.content));
  }

  /** Whether `id` is a message sent from this view. */
  sent(id: string | undefined): boolean {
    return id !== undefined && this.sentMessages.has(id);
  }

  addUserMessage(id: string, content: string): void {
    const item = element("li", "message user", content);
    const delivery = element("span", "delivery", "sending…");
    item.append(delivery);
    this.sentMessages.set(id, delivery);
    this.list.append(item);
    item.scrollIntoView({ block: "end" });
  }

  private run(replyTo: string): RunView {
    const existing = this.runs.get(replyTo);
    if (existing) return existing;
    const item = element("li", "message run");
    item.setAttribute("aria-label", "Agent run");
    const stop = element("button", "stop", "Stop");
    stop.type = "button";
    stop.hidden = true;
    const view: RunView = {
      item,
      stop,
      steps: element("div", "steps"),
      answer: element("p", "answer"),
      meta: element("p", "meta"),
      tools: new Map(),
    };
    item.append(view.steps, view.answer, view.meta, stop);
    this.runs.set(replyTo, view);
    this.list.append(item);
    return view;
  }

  apply(frame: ServerFrame): void {
    const replyTo = frame.reply_to;
    if (replyTo === undefined) return;
    switch (frame.type) {
      case "ack": {
        const delivery = this.sentMessages.get(replyTo);
        if (delivery) delivery.textContent = "✓ delivered";
        return;
      }
      case "agent_started": {
        const { agent_name: agentName, run_id: runId } = frame.payload;
        const view = this.run(replyTo);
        view.meta.textContent = `${agentName} is working…`;
        view.stop.hidden = false;
        view.stop.onclick = () => {
          view.stop.disabled = true;
          this.onStop(runId);
        };
        return;
      }
      case "agent_thinking":
        this.run(replyTo).steps.append(element("p", "step", `Thinking: ${frame.payload.thought}`));
        return;
      case "tool_executing": {
        const call = frame.payload;
        const tool = element("div", "tool");
        tool.append(
          element("strong", "", `Tool: ${call.tool_name}`),
          element("pre", "input", `input ${json(call.input)}`),
          element("pre", "output", "running…"),
        );
        this.run(replyTo).tools.set(call.call_id, tool);
        this.run(replyTo).steps.append(tool);
        return;
      }
      case "tool_approval_requested":
        this.run(replyTo).steps.append(element("p", "step waiting", `Waiting for your approval: ${frame.payload.tool_name}`));
        return;
      case "tool_completed": {
        const done = frame.payload;
        const output = this.run(replyTo).tools.get(done.call_id)?.querySelector(".output");
        if (output)
          output.textContent = done.error
            ? `error ${done.error}${done.reason ? ` (${done.reason})` : ""}`
            : `output ${json(done.output)} (${done.duration_ms} ms)`;
        return;
      }
      case "partial_result":
        this.run(replyTo).answer.textContent += frame.payload.content;
        return;
      case "agent_completed": {
        const completed = frame.payload;
        const view = this.run(replyTo);
        view.stop.hidden = true;
        view.answer.textContent = completed.result;
        view.meta.textContent =
          completed.status === "cancelled"
            ? completed.reason === "deadline"
              ? `${completed.agent_name} ran out of time after ${completed.duration_ms} ms`
              : completed.reason === "approval_expired"
                ? "Nobody answered the approval in time"
                : `Stopped after ${completed.duration_ms} ms`
            : `${completed.agent_name} answered in ${completed.duration_ms} ms`;
        view.item.scrollIntoView({ block: "end" });
        return;
      }
      case "error": {
        const failure = frame.payload;
        const view = this.run(replyTo);
        view.stop.hidden = true;
        view.meta.replaceChildren(
          element("span", "failed", `Failed: ${failure.message}${failure.retryable ? " (you can send it again)" : ""}`),
        );
        return;
      }
      default:
        return;
    }
  }
}
