/**
 * @module
 * `TetherAgentSessions`: one Durable Object per login session (named by its `sid`) that knows
 * which Agent instances the session has connected to. Session sync names only a session id; this
 * is how a revocation finds the live Agent connections it must close. It is also the authority on
 * the session's revocation for the guard: a connect verifies the token's signature only, and the
 * directory refuses a session it was told is revoked.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { SESSION_SYNC_RETRY_WINDOW_MS } from "../../shared/rpc.js";
import { ACCESS_TOKEN_MAX_AGE_SECONDS } from "../../shared/tokens.js";

/** An Agent instance by its binding in the app's env and its name. */
export interface AgentInstanceRef {
  binding: string;
  name: string;
}

/** What an Agent class made with `withTether` answers: the session's connections closed. */
export interface RevocableAgent {
  tetherRevokeSession(sessionId: string, reason: string): Promise<number>;
}

export type RecordOutcome = { ok: true } | { ok: false; code: "session_revoked" | "too_many_instances" };

/** One session reaches at most this many instances (suffixes × Agent classes); the next connect is refused. */
export const MAX_INSTANCES_PER_SESSION = 100;
/**
 * How long the record outlives the session's last connect: a session ends at most this long after
 * its sign-in (SESSION_MAX_AGE_SECONDS' default), and after that no revocation of it can come.
 */
const RECORD_RETENTION_MS = 30 * 86_400_000;
/**
 * The revoked marker outlives every access token of the session: the longest one may live, plus
 * how late session sync may deliver the revocation (as a session object's marker).
 */
const REVOKED_RETENTION_MS = ACCESS_TOKEN_MAX_AGE_SECONDS * 1000 + SESSION_SYNC_RETRY_WINDOW_MS;

const InstanceRef = z.object({ binding: z.string().min(1).max(128), name: z.string().min(1).max(512) });

interface RevocableNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): RevocableAgent;
}

function isNamespace(value: unknown): value is RevocableNamespace {
  return typeof value === "object" && value !== null && "idFromName" in value && "get" in value;
}

const key = (instance: AgentInstanceRef) => `instance:${instance.binding}/${instance.name}`;

export class TetherAgentSessions extends DurableObject<Record<string, unknown>> {
  /** The guard, before it admits a connect of this session to `instance`. */
  async record(instance: AgentInstanceRef): Promise<RecordOutcome> {
    const ref = InstanceRef.parse(instance);
    const storage = this.ctx.storage;
    if ((await storage.get("revoked")) !== undefined) return { ok: false, code: "session_revoked" };
    const known = await storage.list({ prefix: "instance:", limit: MAX_INSTANCES_PER_SESSION + 1 });
    if (!known.has(key(ref))) {
      if (known.size >= MAX_INSTANCES_PER_SESSION) return { ok: false, code: "too_many_instances" };
      await storage.put(key(ref), ref);
    }
    await storage.setAlarm(Date.now() + RECORD_RETENTION_MS);
    return { ok: true };
  }

  /**
   * Marks the session revoked, then has every instance it reached close the session's
   * connections. An instance that fails fails the call, which session sync retries whole: closing
   * twice is harmless, and the instances are forgotten only once all of them have answered.
   */
  async revoke(sessionId: string, reason: string): Promise<number> {
    const storage = this.ctx.storage;
    if ((await storage.get("revoked")) === undefined) await storage.put("revoked", { at: Date.now(), reason });
    await storage.setAlarm(Date.now() + REVOKED_RETENTION_MS);
    const instances = [...(await storage.list<AgentInstanceRef>({ prefix: "instance:" })).values()];
    const closed = await Promise.all(
      instances.map((instance) => {
        const namespace = this.env[instance.binding];
        if (!isNamespace(namespace)) return 0;
        return namespace.get(namespace.idFromName(instance.name)).tetherRevokeSession(sessionId, reason);
      }),
    );
    if (instances.length > 0) await storage.delete(instances.map(key));
    return closed.reduce((sum, count) => sum + count, 0);
  }

  /** Past its retention the session is over for good: nothing of it is kept. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
