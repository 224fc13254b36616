import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { SessionControlApi, SessionRevocationReason } from "../shared/rpc.js";
import { checkedResult } from "../shared/rpc-results.js";
import { ServiceTokenSource } from "../shared/service-token.js";
import { AUTH_SERVICE_NAME, BACKEND_SERVICE_NAME } from "../shared/tokens.js";
import type { AuthBindings } from "./config.js";
import type { AuthContext } from "./context.js";
import { sessionSyncOutbox, type SessionSyncEvent } from "./db/schema.js";
import { mintServiceToken } from "./tokens/service.js";

/**
 * Pushes recorded revocations to the backend's SessionControl, so live sockets close with 4003
 * at once. Runs after each revocation (waitUntil) and from the cron trigger; what fails stays in
 * the outbox for the next run. Calls carry the auth Worker's own service token (`sub: "auth"`).
 */
const BATCH_SIZE = 50;
const MAX_ATTEMPTS = 100;
export const AUTH_SERVICE_ID = "auth";

let ownToken: { issuer: string; source: ServiceTokenSource } | null = null;

/** The auth Worker mints its own service token, for its calls to the backend. */
function ownServiceToken(auth: AuthContext): Promise<string> {
  if (ownToken?.issuer !== auth.config.issuer) {
    ownToken = {
      issuer: auth.config.issuer,
      source: new ServiceTokenSource(async () =>
        mintServiceToken(
          await auth.serviceKeys(),
          auth.config.issuer,
          { id: AUTH_SERVICE_ID, name: AUTH_SERVICE_NAME, audiences: [BACKEND_SERVICE_NAME] },
          ["sessions:revoke", "users:sync"],
        ),
      ),
    };
  }
  return ownToken.source.get();
}

async function deliver(backend: SessionControlApi, token: string, event: SessionSyncEvent) {
  const reason = event.reason as SessionRevocationReason;
  const [first] = event.sessionIds;
  return event.kind === "revoke_session" && first !== undefined
    ? backend.revokeSession(token, first, reason)
    : backend.revokeUser(token, event.userId, event.sessionIds, reason);
}

/** Delivers pending outbox rows, oldest first. Returns how many were delivered. */
export async function pushSessionSync(auth: AuthContext, env: Pick<AuthBindings, "BACKEND">): Promise<number> {
  const pending = await auth.db
    .select()
    .from(sessionSyncOutbox)
    .where(and(isNull(sessionSyncOutbox.deliveredAt), lt(sessionSyncOutbox.attempts, MAX_ATTEMPTS)))
    .orderBy(asc(sessionSyncOutbox.createdAt))
    .limit(BATCH_SIZE)
    .all();
  if (pending.length === 0) return 0;
  let delivered = 0;
  for (const event of pending) {
    let error: string | null = null;
    try {
      if (!env.BACKEND) throw new Error("no BACKEND binding");
      // Only a well-formed success counts as delivered: anything else is retried.
      const result = checkedResult(await deliver(env.BACKEND, await ownServiceToken(auth), event), z.unknown());
      if (!result.ok) error = result.error.code;
    } catch (failure) {
      error = failure instanceof Error ? failure.message.slice(0, 200) : "delivery failed";
    }
    await auth.db
      .update(sessionSyncOutbox)
      .set(error === null ? { deliveredAt: Date.now(), lastError: null } : { attempts: sql`${sessionSyncOutbox.attempts} + 1`, lastError: error })
      .where(eq(sessionSyncOutbox.id, event.id));
    if (error === null) delivered += 1;
  }
  return delivered;
}
