/**
 * @module
 * A user's passkeys as rows and as the API shows them: list, rename, delete — each only the
 * caller's own (404 for anyone else's, alike with none).
 */
import { and, desc, eq } from "drizzle-orm";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { passkeys, type Passkey } from "../db/schema.js";

export interface PublicPasskey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export function publicPasskey(row: Passkey): PublicPasskey {
  return {
    id: row.id,
    name: row.name,
    created_at: new Date(row.createdAt).toISOString(),
    last_used_at: row.lastUsedAt === null ? null : new Date(row.lastUsedAt).toISOString(),
  };
}

export function passkeysOf(ctx: AuthContext, userId: string): Promise<Passkey[]> {
  return ctx.db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(desc(passkeys.createdAt)).all();
}

const NOT_FOUND = "No such passkey of yours.";
const own = (id: string, userId: string) => and(eq(passkeys.id, id), eq(passkeys.userId, userId));

export async function renamePasskey(ctx: AuthContext, userId: string, id: string, name: string): Promise<PublicPasskey> {
  const [row] = await ctx.db.update(passkeys).set({ name }).where(own(id, userId)).returning();
  if (!row) throw new ApiError("not_found", NOT_FOUND);
  return publicPasskey(row);
}

export async function deletePasskey(ctx: AuthContext, userId: string, id: string): Promise<void> {
  const deleted = await ctx.db.delete(passkeys).where(own(id, userId)).returning({ id: passkeys.id });
  if (deleted.length === 0) throw new ApiError("not_found", NOT_FOUND);
}
