import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appDatabase } from "../../workers/app-data/db/client.js";
import { storeUserMessage } from "../../workers/app-data/messages.js";
import { storeRunOutcome } from "../../workers/app-data/runs.js";
import { registerUser } from "../support/http.js";

/** A run's outcome is stored once: a late failure or a second outcome changes nothing (workers/app-data/runs.ts). */
describe("a run's outcome", () => {
  async function storedRun() {
    const tokens = await registerUser(exports.default);
    const db = appDatabase(env.APP_DB);
    const author = { userId: tokens.user.id, email: tokens.user.email, name: tokens.user.name, emailVerified: false };
    const stored = await storeUserMessage(db, author, {
      clientId: crypto.randomUUID(),
      content: "what is 1+1",
      threadId: undefined,
      agentName: "demo",
      status: "running",
      sessionId: "outcome-test",
    });
    const run = { runId: stored.runId, userId: tokens.user.id, threadId: stored.threadId, durationMs: 5 };
    const row = () =>
      env.APP_DB.prepare(
        "SELECT status, result, error, (SELECT COUNT(*) FROM messages WHERE thread_id = ?2 AND role = 'assistant') AS replies FROM agent_runs WHERE id = ?1",
      )
        .bind(stored.runId, stored.threadId)
        .first();
    return { db, run, row };
  }

  it("is not overwritten by a failure reported after the run completed", async () => {
    const { db, run, row } = await storedRun();
    await storeRunOutcome(db, run, { status: "completed", result: "1+1 = 2" });
    await storeRunOutcome(db, run, { status: "failed", error: "a late failure" });
    expect(await row()).toEqual({ status: "completed", result: "1+1 = 2", error: null, replies: 1 });
  });

  it("adds no second reply when a second outcome comes", async () => {
    const { db, run, row } = await storedRun();
    await storeRunOutcome(db, run, { status: "cancelled", result: "1+1", reason: "cancel_run" });
    await storeRunOutcome(db, run, { status: "completed", result: "1+1 = 2" });
    expect(await row()).toEqual({ status: "cancelled", result: "1+1", error: "cancel_run", replies: 1 });
  });
});
