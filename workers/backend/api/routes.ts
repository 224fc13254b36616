import { Hono, type Context } from "hono";
import * as z from "zod";
import { appDatabase } from "../../../workers/app-data/db/client.js";
import { messageView, threadMessages } from "../../../workers/app-data/messages.js";
import { findOwnThread, listThreads, threadView } from "../../../workers/app-data/threads.js";
import { provisionUser } from "../../../workers/app-data/users.js";
import { readSession } from "../../shared/d1.js";
import { ApiError } from "../../shared/errors.js";
import { USER_PERMISSIONS } from "../../shared/tokens.js";
import { requirePermission, requireAccessToken, type BackendAppEnv } from "../user-auth.js";
import { eventRoutes } from "./events.js";

/** The caller's own data over HTTP: everything keyed by the validated token's `sub`. */
export const apiRoutes = new Hono<BackendAppEnv>();

// A service's route, with a service token of its own: before the user-token check of the rest.
apiRoutes.route("/events", eventRoutes);
apiRoutes.use("*", requireAccessToken);
apiRoutes.use("/threads/*", requirePermission(USER_PERMISSIONS.readThreads));
apiRoutes.use("/threads", requirePermission(USER_PERMISSIONS.readThreads));

/**
 * Provisions the user mirror on first sight: a valid token never meets a 500 here. Once this
 * isolate has written the token's values, a repeat asks D1 nothing (provisionUser).
 */
apiRoutes.get("/me", async (c) => {
  const claims = c.get("claims");
  const author = { userId: claims.sub, email: claims.email, name: claims.name, emailVerified: claims.email_verified };
  const provisioned = await provisionUser(appDatabase(c.env.APP_DB), author, Date.now());
  if (!provisioned) throw new ApiError("internal_error", "The user could not be provisioned.");
  return c.json({
    user: {
      id: claims.sub,
      email: claims.email,
      name: claims.name,
      created_at: new Date(provisioned.createdAtMs).toISOString(),
      permissions: claims.permissions,
    },
    session_id: claims.sid,
  });
});

/** The caller's validated session, straight from the token check: no database read. */
apiRoutes.get("/session", (c) => {
  const claims = c.get("claims");
  return c.json({
    user_id: claims.sub,
    session_id: claims.sid,
    email: claims.email,
    permissions: claims.permissions,
    expires_at: new Date(claims.exp * 1000).toISOString(),
  });
});

const Page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `next_before` of the previous page: the id of its last item. */
  before: z.uuid().optional(),
});

function readPage(query: Record<string, string>) {
  const page = Page.safeParse(query);
  if (!page.success) {
    throw new ApiError("validation_failed", page.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));
  }
  return { limit: page.data.limit, before: page.data.before };
}

/**
 * The history reads go to D1 read replicas through the Sessions API (docs/architecture.md,
 * Consistency): a client sending back the `X-Tether-Bookmark` it was last given never reads older
 * than that answer; without one, any replica serves.
 */
const BOOKMARK_HEADER = "X-Tether-Bookmark";

function historyReads(c: Context<BackendAppEnv>) {
  const session = readSession(c.env.APP_DB, c.req.header(BOOKMARK_HEADER));
  return {
    db: session.db,
    answer<T>(body: T) {
      const bookmark = session.bookmark();
      if (bookmark !== null) c.header(BOOKMARK_HEADER, bookmark);
      return c.json(body);
    },
  };
}

apiRoutes.get("/threads", async (c) => {
  const { limit, before } = readPage(c.req.query());
  const reads = historyReads(c);
  const rows = await listThreads(reads.db, c.get("claims").sub, limit, before);
  const last = rows.at(-1);
  return reads.answer({ threads: rows.map(threadView), next_before: rows.length === limit && last ? last.id : null });
});

apiRoutes.get("/threads/:id/messages", async (c) => {
  const { limit, before } = readPage(c.req.query());
  const reads = historyReads(c);
  const threadId = c.req.param("id");
  // Someone else's thread answers exactly like a missing one.
  if (threadId.length > 64 || !(await findOwnThread(reads.db, c.get("claims").sub, threadId))) {
    throw new ApiError("not_found", "No such thread.");
  }
  const rows = await threadMessages(reads.db, threadId, limit, before);
  const first = rows[0];
  return reads.answer({ messages: rows.map(messageView), next_before: rows.length === limit && first ? first.id : null });
});
