/**
 * @module
 * `withTether(Agent)`: the Agent side of Tether's guard. An Agent class made with it (`Agent`, or a
 * subclass such as `AIChatAgent` from `@cloudflare/ai-chat`)
 *
 * - tags each connection with its login session, and keeps the caller's claims per session in the
 *   object's storage, so both survive hibernation (`this.tetherUser(connection)` reads them);
 * - answers the `tether.v1` subprotocol a browser offered (the guard keeps only that entry);
 * - closes a session's connections with a `session_revoked` frame and 4003 when session sync
 *   says so (`tetherRevokeSession`, called by the session directory), and refuses that session's
 *   later connects for as long as any of its tokens can live.
 *
 * Override `getConnectionTags` or `fetch` only by calling `super`: the tag is how a revocation
 * finds a connection, and a connection that came without it is closed (1011) rather than left
 * out of reach.
 */
import type { Agent, Connection, ConnectionContext } from "agents";
import * as z from "zod";
import { acceptAndClose, closeSocket, sendIfOpen, tetherProtocolHeader } from "../../shared/socket-io.js";
import { REVOKED_MARKER_RETENTION_MS } from "../../shared/rpc.js";
import { SessionId } from "../session-control.js";
import { readTetherCaller, TetherCallerSchema, toTetherUser, type TetherCaller, type TetherUser } from "./caller.js";
import type { RevocableAgent } from "./session-directory.js";

const SESSION_TAG_PREFIX = "tether.sid:";
const CALLER_KEY_PREFIX = "tether:caller:";
const REVOKED_KEY_PREFIX = "tether:revoked:";

const Reason = z.string().min(1).max(64);

const sessionTag = (sessionId: string) => `${SESSION_TAG_PREFIX}${sessionId}`;
const isUpgrade = (request: Request) => request.headers.get("Upgrade")?.toLowerCase() === "websocket";

// TS2545: a mixin's base must be constructible with `any[]` arguments; nothing else here is `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AgentClass = abstract new (...args: any[]) => Agent<Cloudflare.Env, unknown>;
/**
 * What `withTether` accepts: a class whose prototype is an Agent's. Not `AgentClass` itself: a
 * generic class such as `AIChatAgent` (from `@cloudflare/ai-chat`), checked against a constructor
 * of `Agent<…>`, makes TypeScript infer its type parameters through every member (TS2589); its
 * prototype is one plain instance type, checked in one step.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AgentConstructor = (abstract new (...args: any[]) => object) & { prototype: Agent<Cloudflare.Env, unknown> };

/** What `withTether` adds to an Agent class. */
export interface TetherAgent extends RevocableAgent {
  /** The user on the other end of `from` (a connection, or a request the guard forwarded); null if none came through the guard. */
  tetherUser(from: Connection | Request): TetherUser | null;
  /**
   * Called for every revocation that reaches this instance, after its connections closed. The
   * instance's storage is the app's: for `account_claimed` (the address's owner took over an
   * account someone else registered), clear what the instance holds of that user here.
   */
  onTetherSessionRevoked(sessionId: string, reason: string): void | Promise<void>;
}

/** The base class with TetherAgent's members (and the base's statics, such as `options`). */
export type TetherAgentClass<TBase extends AgentConstructor> = (abstract new (
  ...args: ConstructorParameters<TBase>
) => InstanceType<TBase> & TetherAgent) &
  Pick<TBase, keyof TBase>;

export function withTether<TBase extends AgentConstructor>(Base: TBase): TetherAgentClass<TBase> {
  // The constraint checks the prototype; the class body needs the constructor's Agent instances.
  const AgentBase = Base as unknown as AgentClass;
  abstract class TetheredAgent extends AgentBase implements TetherAgent {
    tetherUser(from: Connection | Request): TetherUser | null {
      if (from instanceof Request) {
        const caller = readTetherCaller(from);
        return caller ? toTetherUser(caller) : null;
      }
      const tag = from.tags.find((candidate) => candidate.startsWith(SESSION_TAG_PREFIX));
      if (tag === undefined) return null;
      const stored = TetherCallerSchema.safeParse(this.ctx.storage.kv.get(CALLER_KEY_PREFIX + tag.slice(SESSION_TAG_PREFIX.length)));
      return stored.success ? toTetherUser(stored.data) : null;
    }

    onTetherSessionRevoked(_sessionId: string, _reason: string): void | Promise<void> {}

    override async fetch(request: Request): Promise<Response> {
      const caller = isUpgrade(request) ? readTetherCaller(request) : null;
      if (caller && this.ctx.storage.kv.get(REVOKED_KEY_PREFIX + caller.sid) !== undefined) {
        return acceptAndClose(request, "session_revoked", "The session has been revoked.");
      }
      const response = await super.fetch(request);
      if (!caller || response.status !== 101 || !response.webSocket) return response;
      if (this.ctx.getWebSockets(sessionTag(caller.sid)).length === 0) this.closeUntagged();
      const protocol = tetherProtocolHeader(request);
      return protocol ? new Response(null, { status: 101, webSocket: response.webSocket, headers: protocol }) : response;
    }

    override async getConnectionTags(connection: Connection, context: ConnectionContext): Promise<string[]> {
      const tags = await super.getConnectionTags(connection, context);
      const caller = readTetherCaller(context.request);
      if (!caller) return tags;
      this.ctx.storage.kv.put<TetherCaller>(CALLER_KEY_PREFIX + caller.sid, caller);
      return [...tags, sessionTag(caller.sid)];
    }

    /** The session directory's call (session sync): the session's connections get the frame, then 4003. */
    async tetherRevokeSession(sessionId: string, reason: string): Promise<number> {
      const sid = SessionId.parse(sessionId);
      const why = Reason.parse(reason);
      const storage = this.ctx.storage.kv;
      storage.put(REVOKED_KEY_PREFIX + sid, Date.now());
      storage.delete(CALLER_KEY_PREFIX + sid);
      const frame = JSON.stringify({ type: "session_revoked", payload: { reason: why } });
      let closed = 0;
      for (const connection of this.getConnections(sessionTag(sid))) {
        sendIfOpen(connection, frame);
        closeSocket(connection, "session_revoked", "The session has been revoked.");
        closed += 1;
      }
      this.forgetOldRevocations();
      await this.onTetherSessionRevoked(sid, why);
      return closed;
    }

    /**
     * The directory's call when it first meets this instance: the user's sessions revoked before
     * then, which no revocation call will name here again, are refused from now on too.
     */
    async tetherRefuseSessions(sessionIds: string[]): Promise<void> {
      const storage = this.ctx.storage.kv;
      for (const sessionId of z.array(SessionId).max(1000).parse(sessionIds)) storage.put(REVOKED_KEY_PREFIX + sessionId, Date.now());
      return Promise.resolve();
    }

    /** Revocations are rare, so their markers are swept then, once past every token of theirs. */
    private forgetOldRevocations(): void {
      const storage = this.ctx.storage.kv;
      for (const [key, at] of storage.list<number>({ prefix: REVOKED_KEY_PREFIX })) {
        if (Date.now() - at > REVOKED_MARKER_RETENTION_MS) storage.delete(key);
      }
    }

    /** A subclass dropped the session tag: no revocation could reach such a connection, so none stays open. */
    private closeUntagged(): void {
      console.error("withTether: getConnectionTags lost the session tag; call super.getConnectionTags");
      for (const socket of this.ctx.getWebSockets()) {
        if (!this.ctx.getTags(socket).some((tag) => tag.startsWith(SESSION_TAG_PREFIX))) {
          closeSocket(socket, "internal_error", "The agent lost this connection's session.");
        }
      }
    }
  }
  // TypeScript types a mixin's class with the base's instance type widened to its constraint;
  // the instances are the base's own, with TetherAgent's members.
  return TetheredAgent as unknown as TetherAgentClass<TBase>;
}
