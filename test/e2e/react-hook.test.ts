// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createElement, StrictMode } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuthClient, type TokenRequest } from "../../client/index.js";
import { useTether, type TetherRun } from "../../client/react.js";
import { signedUpAuthClient } from "../support/sdk-user.js";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";

/**
 * `useTether` in a React 19 tree (happy-dom), against the real Workers in `wrangler dev`: a run
 * streamed into a component, strict mode's double mount, and the connection closed on unmount.
 */
describe("useTether", () => {
  let stack: LocalStack;
  let auth: AuthClient;

  beforeAll(async () => {
    stack = await startLocalStack({ backendVars: { DEMO_AGENT_STEP_DELAY_MS: "20" } });
    // The page is served by the app, as in a real deployment: same origin, no CORS in the way.
    (globalThis as { happyDOM?: { setURL(url: string): void } }).happyDOM?.setURL(`${stack.backend.origin}/`);
    auth = await signedUpAuthClient(stack.backend.origin, "react");
  });

  afterEach(() => cleanup());

  afterAll(async () => {
    await stack?.stop();
  });

  /** Every socket the hook opens, so the test can see strict mode's first one closed. */
  const sockets: WebSocket[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }

  function Chat(props: { seen: Array<Pick<TetherRun, "status" | "text">> }) {
    const { state, runs, send } = useTether({
      url: `${stack.origin.replace("http", "ws")}/ws`,
      getAccessToken: ({ current }: TokenRequest) => auth.accessToken({ replacing: current }),
      WebSocket: TrackedWebSocket,
    });
    for (const run of runs) props.seen.push({ status: run.status, text: run.text });
    return createElement(
      "div",
      null,
      createElement("p", { "data-testid": "state" }, state),
      createElement("button", { type: "button", disabled: state !== "open", onClick: () => send("what is 2+2") }, "Ask"),
      createElement(
        "ol",
        null,
        runs.map((run) => createElement("li", { key: run.messageId }, `${run.status}: ${run.text}`)),
      ),
    );
  }

  it("streams a run into the component, in strict mode, and closes its connection on unmount", async () => {
    const seen: Array<Pick<TetherRun, "status" | "text">> = [];
    const view = render(createElement(StrictMode, null, createElement(Chat, { seen })));
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("open"), { timeout: 10_000 });
    // Strict mode mounted twice: the first connection was closed (its state ignored), one socket is open.
    expect(sockets.filter((socket) => socket.readyState === WebSocket.OPEN)).toHaveLength(1);

    act(() => fireEvent.click(screen.getByRole("button", { name: "Ask" })));
    await waitFor(() => expect(screen.getByRole("listitem").textContent).toBe("completed: 2+2 = 4"), { timeout: 10_000 });
    expect(seen.map((run) => run.status)).toEqual(expect.arrayContaining(["sending", "running", "completed"]));
    expect(seen.some((run) => run.status === "running" && run.text.length > 0 && run.text !== "2+2 = 4")).toBe(true);

    view.unmount();
    await waitFor(() => expect(sockets.every((socket) => socket.readyState === WebSocket.CLOSED)).toBe(true));
  });

  /** A run that asks before it sends, answered from the session's `approvals`; a notification shown from `notifications`. */
  function Approvals() {
    const { state, runs, approvals, notifications, send, approve } = useTether({
      url: `${stack.origin.replace("http", "ws")}/ws`,
      getAccessToken: ({ current }: TokenRequest) => auth.accessToken({ replacing: current }),
    });
    return createElement(
      "div",
      null,
      createElement("p", { "data-testid": "state" }, state),
      createElement("button", { type: "button", disabled: state !== "open", onClick: () => send("send me a summary") }, "Ask"),
      createElement("p", { "data-testid": "runs" }, runs.map((run) => `${run.status} (${run.approvals.length}): ${run.text}`).join(" | ")),
      ...approvals.map((approval) =>
        createElement(
          "button",
          { key: approval.approvalId, type: "button", onClick: () => approve(approval.approvalId, true) },
          `Allow ${approval.toolName}`,
        ),
      ),
      createElement(
        "ol",
        { "data-testid": "notifications" },
        notifications.map((notification) => createElement("li", { key: notification.eventId }, notification.name)),
      ),
    );
  }

  it("shows a run waiting for approval, approves it from `approvals`, and lists a notification", async () => {
    render(createElement(Approvals));
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("open"), { timeout: 10_000 });
    act(() => fireEvent.click(screen.getByRole("button", { name: "Ask" })));
    const allow = await screen.findByRole("button", { name: "Allow send_summary" }, { timeout: 10_000 });
    expect(screen.getByTestId("runs").textContent).toMatch(/^awaiting_approval \(1\): /);
    act(() => fireEvent.click(allow));
    await waitFor(() => expect(screen.getByTestId("runs").textContent).toMatch(/^completed \(0\): Sent the summary to /), {
      timeout: 10_000,
    });
    expect(screen.queryByRole("button", { name: "Allow send_summary" })).toBeNull();

    const token = await auth.accessToken();
    const published = await fetch(`${stack.backend.origin}/demo/notify`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token ?? ""}` },
    });
    expect(published.status).toBe(202);
    await waitFor(() => expect(screen.getByTestId("notifications").textContent).toBe("demo.hello"), { timeout: 10_000 });
  });
});
