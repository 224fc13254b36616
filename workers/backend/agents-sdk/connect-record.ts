/**
 * @module
 * Tells the user's session directory (session-directory.ts) of a connect before the guard admits
 * it. An isolate that has registered the instance within the last minute skips the call, for any
 * session of the user: the directory tells every registered instance of each revocation (and one
 * it meets first of the revocations before), and the instance refuses a session it has been told
 * is revoked (with-tether.ts) — the memo saves a round trip, never a check.
 */
import { setNewest } from "../../shared/bounded-map.js";
import type { TetherAgentsEnv } from "./env.js";
import type { AgentInstanceRef, RecordOutcome } from "./session-directory.js";

const MEMO_TTL_MS = 60_000;
const MEMO_MAX_ENTRIES = 10_000;
const recorded = new Map<string, number>();

/** The user's directory object (session-directory.ts): one per user, named by the token's `sub`. */
export function directoryOf(env: TetherAgentsEnv, userId: string) {
  return env.TETHER_AGENT_SESSIONS.get(env.TETHER_AGENT_SESSIONS.idFromName(userId));
}

export async function recordConnect(
  env: TetherAgentsEnv,
  caller: { userId: string; sessionId: string },
  instance: AgentInstanceRef,
): Promise<"ok" | Extract<RecordOutcome, { ok: false }>["code"]> {
  const memoKey = `${caller.userId}\n${instance.binding}\n${instance.name}`;
  const until = recorded.get(memoKey);
  if (until !== undefined && until > Date.now()) return "ok";
  const outcome = await directoryOf(env, caller.userId).record(caller.sessionId, instance);
  if (!outcome.ok) return outcome.code;
  setNewest(recorded, memoKey, Date.now() + MEMO_TTL_MS, MEMO_MAX_ENTRIES);
  return "ok";
}
