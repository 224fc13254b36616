/**
 * @module
 * Recovery codes: ten per confirmation, each 80 random bits written as four groups of four base32
 * letters (`k7qm-2xve-…`), shown once and stored only as SHA-256 hashes — 80 bits leave nothing for
 * a fast hash to give away. Spending one is a conditional update: of two uses at once, one wins.
 */
import { and, count, eq, isNull } from "drizzle-orm";
import { sha256Base64Url } from "../../shared/crypto.js";
import type { AuthContext } from "../context.js";
import { recoveryCodes } from "../db/schema.js";

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
/** As typed: any case, with or without the dashes and spaces. */
export const RECOVERY_CODE = /^[a-z2-7]{4}([- ]?[a-z2-7]{4}){3}$/i;

function newRecoveryCode(): string {
  // 16 symbols × 5 bits; 256 is a multiple of 32, so `byte % 32` is uniform.
  const symbols = [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => ALPHABET[byte % 32] ?? "a");
  return [0, 4, 8, 12].map((start) => symbols.slice(start, start + 4).join("")).join("-");
}

const canonical = (code: string) => code.toLowerCase().replace(/[- ]/g, "");

/** Ten fresh codes and the statements that replace the user's old ones with them. */
export async function freshRecoveryCodes(ctx: AuthContext, userId: string, nowMs: number) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const rows = await Promise.all(
    codes.map(async (code) => ({ id: crypto.randomUUID(), userId, codeHash: await sha256Base64Url(canonical(code)), createdAt: nowMs })),
  );
  return {
    codes,
    statements: [ctx.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)), ctx.db.insert(recoveryCodes).values(rows)] as const,
  };
}

/** Spends `code` if it is one of the user's unused codes; false otherwise. */
export async function spendRecoveryCode(ctx: AuthContext, userId: string, code: string, nowMs: number): Promise<boolean> {
  if (!RECOVERY_CODE.test(code)) return false;
  const spent = await ctx.db
    .update(recoveryCodes)
    .set({ usedAt: nowMs })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, await sha256Base64Url(canonical(code))),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return spent.length > 0;
}

export function deleteRecoveryCodes(ctx: AuthContext, userId: string) {
  return ctx.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

/** How many of the user's recovery codes are still unused. */
export async function recoveryCodesLeft(ctx: AuthContext, userId: string): Promise<number> {
  const row = await ctx.db
    .select({ left: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .get();
  return row?.left ?? 0;
}
