/**
 * @module
 * Tells the session directory (session-directory.ts) of a connect before the guard admits it. An
 * isolate that has recorded the same session and instance within the last minute skips the call:
 * the directory already knows the instance, so a revocation reaches it, and the instance itself
 * refuses a session it has been told is revoked (with-tether.ts) — the memo saves a round trip,
 * never a check.
 */
import type { TetherAgentsEnv } from "./env.js";
import type { AgentInstanceRef, RecordOutcome } from "./session-directory.js";

const MEMO_TTL_MS = 60_000;
const MEMO_MAX_ENTRIES = 10_000;
const recorded = new Map<string, number>();

export async function recordConnect(
  env: TetherAgentsEnv,
  sessionId: string,
  instance: AgentInstanceRef,
): Promise<"ok" | Extract<RecordOutcome, { ok: false }>["code"]> {
  const memoKey = `${sessionId}\n${instance.binding}\n${instance.name}`;
  const until = recorded.get(memoKey);
  if (until !== undefined && until > Date.now()) return "ok";
  const directory = env.TETHER_AGENT_SESSIONS.get(env.TETHER_AGENT_SESSIONS.idFromName(sessionId));
  const outcome = await directory.record(instance);
  if (!outcome.ok) return outcome.code;
  recorded.delete(memoKey);
  // A Map iterates in insertion order: the first key is the oldest.
  if (recorded.size >= MEMO_MAX_ENTRIES) recorded.delete(recorded.keys().next().value ?? "");
  recorded.set(memoKey, Date.now() + MEMO_TTL_MS);
  return "ok";
}
