/**
 * @module
 * `TetherAgentSessions`: one Durable Object per user (named by the token's `sub`) that knows the
 * user's Agent instances and which of the user's sessions were revoked. A revocation names a
 * session; the directory marks it and tells every instance of the user, so each instance refuses
 * that session's connects and closes its connections (with-tether.ts). It is the authority on
 * revocation for the guard: a connect verifies the token's signature only, and a connect to an
 * instance the guard's isolate has not seen registered asks the directory, which refuses a revoked
 * session and, meeting an instance for the first time, tells it of the sessions revoked before.
 * Per user, not per session: a new sign-in of a returning user needs no object made, and (the
 * instance registered) no call at all.
 */
import { DurableObject } from "cloudflare:workers";
import * as z from "zod";
import { REVOKED_MARKER_RETENTION_MS } from "../../shared/rpc.js";
import { SessionId } from "../session-control.js";

/** An Agent instance by its binding in the app's env and its name. */
export interface AgentInstanceRef {
  binding: string;
  name: string;
}

/** What an Agent class made with `withTether` answers. */
export interface RevocableAgent {
  /** The session's connections get a `session_revoked` frame and 4003; its connects are refused from now on. */
  tetherRevokeSession(sessionId: string, reason: string): Promise<number>;
  /** Sessions revoked before the directory knew this instance: refused from now on. */
  tetherRefuseSessions(sessionIds: string[]): Promise<void>;
}

export type RecordOutcome = { ok: true } | { ok: false; code: "session_revoked" | "too_many_instances" };

/** One user reaches at most this many instances (suffixes × Agent classes); a connect to one more is refused. */
export const MAX_INSTANCES_PER_USER = 100;
/**
 * How long an instance's registration outlives its last connect through a cold isolate: a
 * session ends at most this long after its sign-in (SESSION_MAX_AGE_SECONDS' default).
 */
const RECORD_RETENTION_MS = 30 * 86_400_000;

const InstanceRef = z.object({ binding: z.string().min(1).max(128), name: z.string().min(1).max(512) });

interface RevocableNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): RevocableAgent;
}

function isNamespace(value: unknown): value is RevocableNamespace {
  return typeof value === "object" && value !== null && "idFromName" in value && "get" in value;
}

const INSTANCE_PREFIX = "instance:";
const REVOKED_PREFIX = "revoked:";
const instanceKey = (instance: AgentInstanceRef) => `${INSTANCE_PREFIX}${instance.binding}/${instance.name}`;

interface StoredInstance {
  instance: AgentInstanceRef;
  atMs: number;
}

interface StoredRevocation {
  reason: string;
  atMs: number;
}

export class TetherAgentSessions extends DurableObject<Record<string, unknown>> {
  /** The guard, before it admits a connect of the user's session `sessionId` to `instance`. */
  async record(sessionId: string, instance: AgentInstanceRef): Promise<RecordOutcome> {
    const sid = SessionId.parse(sessionId);
    const ref = InstanceRef.parse(instance);
    const kv = this.ctx.storage.kv;
    if (kv.get(REVOKED_PREFIX + sid) !== undefined) return { ok: false, code: "session_revoked" };
    const key = instanceKey(ref);
    const isNew = kv.get(key) === undefined;
    if (isNew && [...kv.list({ prefix: INSTANCE_PREFIX, limit: MAX_INSTANCES_PER_USER })].length >= MAX_INSTANCES_PER_USER) {
      return { ok: false, code: "too_many_instances" };
    }
    // Registered first, so a revocation arriving while this call waits below reaches the instance;
    // then told of the revocations before it, which no later call will name to it.
    kv.put<StoredInstance>(key, { instance: ref, atMs: Date.now() });
    const revoked = isNew ? [...kv.list({ prefix: REVOKED_PREFIX })].map(([name]) => name.slice(REVOKED_PREFIX.length)) : [];
    const agent = this.agent(ref);
    if (revoked.length > 0 && agent) await agent.tetherRefuseSessions(revoked);
    await this.sweepBy(Date.now() + RECORD_RETENTION_MS);
    return { ok: true };
  }

  /**
   * Marks the session revoked, then has every instance of the user close the session's
   * connections. An instance that fails fails the call, which session sync retries whole: closing
   * twice is harmless.
   */
  async revoke(sessionId: string, reason: string): Promise<number> {
    const sid = SessionId.parse(sessionId);
    const kv = this.ctx.storage.kv;
    if (kv.get(REVOKED_PREFIX + sid) === undefined) kv.put<StoredRevocation>(REVOKED_PREFIX + sid, { reason, atMs: Date.now() });
    const instances = [...kv.list<StoredInstance>({ prefix: INSTANCE_PREFIX })].map(([, stored]) => stored.instance);
    const closed = await Promise.all(instances.map((instance) => this.agent(instance)?.tetherRevokeSession(sid, reason) ?? 0));
    await this.sweepBy(Date.now() + REVOKED_MARKER_RETENTION_MS);
    return closed.reduce((sum, count) => sum + count, 0);
  }

  /** What has outlived its retention goes: registrations after RECORD_RETENTION_MS, revocations after their marker's. */
  override async alarm(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const nowMs = Date.now();
    let next: number | null = null;
    for (const [key, value] of kv.list<StoredInstance | StoredRevocation>()) {
      const until = value.atMs + (key.startsWith(REVOKED_PREFIX) ? REVOKED_MARKER_RETENTION_MS : RECORD_RETENTION_MS);
      if (until <= nowMs) kv.delete(key);
      else next = next === null ? until : Math.min(next, until);
    }
    if (next === null) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(next);
  }

  private agent(instance: AgentInstanceRef): RevocableAgent | null {
    const namespace = this.env[instance.binding];
    return isNamespace(namespace) ? namespace.get(namespace.idFromName(instance.name)) : null;
  }

  /** The alarm set to run by `atMs` at the latest; an earlier one stands (it sets the next itself). */
  private async sweepBy(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
  }
}
