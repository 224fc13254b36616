import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appDatabase } from "../../workers/app-data/db/client.js";
import { storeUserMessage, threadMessages } from "../../workers/app-data/messages.js";
import { markRunStarted, storeRunOutcome } from "../../workers/app-data/runs.js";
import { createThread, findOwnThread, listThreads } from "../../workers/app-data/threads.js";
import backendApp from "../../workers/demo/backend.js";
import { getWithBearer, type FetchTarget } from "../support/http.js";
import { fullScanOffenders, recordingD1 } from "../support/query-recorder.js";
import { openSession } from "../support/ws.js";

/**
 * The app database's hot paths — each message's batch and its outcome, thread creation, the
 * thread and message pages over HTTP (first pages and later ones) and over the socket — recorded
 * from real calls and explained by SQLite: none may read a whole table that grows with use.
 */
const GROWING_TABLES = ["users", "threads", "messages", "agent_runs"] as const;

describe("query plans of the app database's hot paths", () => {
  it("use an index for every table that grows with use", async () => {
    const { socket, tokens, userId } = await openSession(exports.default);
    for (const content of ["what is 1+1", "count these words", "what is 2*3"]) {
      socket.send({ type: "user_message", id: crypto.randomUUID(), payload: { content } });
      await socket.next("agent_completed");
    }
    socket.close();

    const recorder = recordingD1(env.APP_DB);
    const backend: FetchTarget = {
      fetch: async (input, init) => backendApp.fetch(new Request(input, init), { ...env, APP_DB: recorder.db }),
    };
    const threads = (await (await getWithBearer(backend, "/api/threads?limit=2", tokens.access_token)).json()) as {
      threads: Array<{ id: string }>;
      next_before: string;
    };
    await getWithBearer(backend, `/api/threads?limit=2&before=${threads.next_before}`, tokens.access_token);
    const threadId = threads.threads[0]?.id ?? "";
    const page = (await (await getWithBearer(backend, `/api/threads/${threadId}/messages?limit=1`, tokens.access_token)).json()) as {
      next_before: string;
    };
    await getWithBearer(backend, `/api/threads/${threadId}/messages?limit=1&before=${page.next_before}`, tokens.access_token);
    await getWithBearer(backend, "/api/me", tokens.access_token);

    // What the session object writes and reads per frame, through the same functions it calls.
    const db = appDatabase(recorder.db);
    const author = { userId, email: tokens.user.email, name: tokens.user.name, emailVerified: false };
    const stored = await storeUserMessage(db, author, {
      clientId: crypto.randomUUID(),
      content: "hi",
      threadId,
      agentName: "demo",
      status: "queued",
      sessionId: "query-plans",
    });
    await markRunStarted(db, stored.runId);
    await storeRunOutcome(db, { runId: stored.runId, userId, threadId, durationMs: 1 }, { status: "completed", result: "hello" });
    const next = await storeUserMessage(db, author, {
      clientId: crypto.randomUUID(),
      content: "new thread",
      threadId: undefined,
      agentName: "demo",
      status: "running",
      sessionId: "query-plans",
    });
    await storeRunOutcome(
      db,
      { runId: next.runId, userId, threadId: next.threadId, durationMs: 1 },
      { status: "cancelled", result: "", reason: "cancel_run" },
    );
    await createThread(db, author, "named");
    await findOwnThread(db, userId, threadId);
    await listThreads(db, userId, 100);
    await threadMessages(db, threadId, 50);
    await threadMessages(db, threadId, 20, stored.messageId); // a run's history

    const { distinct, offenders } = await fullScanOffenders(env.APP_DB, recorder.statements, GROWING_TABLES);
    expect(distinct).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
