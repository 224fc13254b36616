import { describe, expect, it } from "vitest";
import { RunLog, type ServerFrame } from "../../client/index.js";

/** The frames of one run as the server sends them, `reply_to` the user message's id. */
function frameOf<T extends ServerFrame["type"]>(
  type: T,
  replyTo: string,
  payload: Extract<ServerFrame, { type: T }>["payload"],
): ServerFrame {
  return { type, reply_to: replyTo, event_id: crypto.randomUUID(), timestamp: "2026-01-01T00:00:00.000Z", payload } as ServerFrame;
}

const chunk = (replyTo: string, content: string) =>
  frameOf("partial_result", replyTo, { run_id: "run-1", agent_name: "demo", content, is_complete: false });

describe("RunLog", () => {
  it("gives the same snapshot until something changes, and keeps the runs a frame did not touch", () => {
    const log = new RunLog();
    log.sent("m1", "first", null);
    log.sent("m2", "second", null);
    const before = log.snapshot();
    expect(log.snapshot()).toBe(before);

    log.apply(frameOf("agent_started", "m2", { run_id: "run-2", agent_name: "demo", timestamp: "2026-01-01T00:00:00.000Z" }));
    const after = log.snapshot();
    expect(after).not.toBe(before);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toMatchObject({ messageId: "m2", status: "running", runId: "run-2" });
    expect(before[1]).toMatchObject({ status: "sending", runId: null });
  });

  it("keeps an earlier snapshot's events as they were while the run streams on", () => {
    const log = new RunLog();
    log.sent("m1", "hello", null);
    log.apply(chunk("m1", "Hel"));
    const early = log.snapshot()[0];
    log.apply(chunk("m1", "lo"));
    log.apply(
      frameOf("agent_completed", "m1", { run_id: "run-1", agent_name: "demo", duration_ms: 5, result: "Hello", status: "completed" }),
    );
    const late = log.snapshot()[0];
    expect(early?.events.map((frame) => frame.type)).toEqual(["partial_result"]);
    expect(early?.text).toBe("Hel");
    expect(late?.events.map((frame) => frame.type)).toEqual(["partial_result", "partial_result", "agent_completed"]);
    expect(late).toMatchObject({ text: "Hello", status: "completed" });
  });

  it("counts each change in `version` and tells subscribers, ignoring frames of no run it holds", () => {
    const log = new RunLog();
    const told: number[] = [];
    const unsubscribe = log.subscribe(() => told.push(log.version));
    log.sent("m1", "hi", null);
    log.apply(chunk("m1", "a"));
    log.apply(chunk("someone-else", "b"));
    log.apply(chunk("m1", "c"));
    expect(told).toEqual([1, 2, 3]);
    unsubscribe();
    log.apply(chunk("m1", "d"));
    expect(told).toHaveLength(3);
    expect(log.version).toBe(4);
  });

  it("keeps every chunk of a long stream, in order, in one run", () => {
    const log = new RunLog();
    log.sent("m1", "write a long answer", null);
    const chunks = 5_000;
    for (let index = 0; index < chunks; index += 1) log.apply(chunk("m1", String(index % 10)));
    const [run] = log.snapshot();
    expect(run?.events).toHaveLength(chunks);
    expect(run?.text).toBe(Array.from({ length: chunks }, (_, index) => String(index % 10)).join(""));
  });

  it("keeps the latest 100 runs, dropping the oldest", () => {
    const log = new RunLog();
    for (let index = 0; index < 101; index += 1) log.sent(`m${index}`, "hi", null);
    const runs = log.snapshot();
    expect(runs).toHaveLength(100);
    expect(runs[0]?.messageId).toBe("m1");
    log.apply(chunk("m0", "lost"));
    expect(log.snapshot()).toBe(runs);
  });
});
