/**
 * @module
 * The tables of a second factor (docs/sign-in.md, Second factor): a user's TOTP secret — encrypted,
 * never stored in the clear —, their recovery codes (hashes only) and the single-use `mfa_token`s
 * that carry a first factor to the code. Re-exported by schema.ts, where drizzle-kit reads them.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const timestampMs = (name: string) => integer(name, { mode: "number" });

/**
 * One TOTP secret per user. Enrolling writes it unconfirmed; the first right code confirms it, and
 * from then on a password or provider sign-in asks for a code. The throttle's count lives here too:
 * every code tried for the account — TOTP or recovery — is counted before it is checked.
 */
export const userTotp = sqliteTable("user_totp", {
  userId: text("user_id").primaryKey(),
  /** `v1.<iv>.<ciphertext>`: AES-256-GCM under MFA_ENCRYPTION_KEY, the user id as associated data (mfa/encryption.ts). */
  secretCiphertext: text("secret_ciphertext").notNull(),
  createdAt: timestampMs("created_at").notNull(),
  confirmedAt: timestampMs("confirmed_at"),
  /** The time step of the last code accepted: a code of that step or an earlier one is never taken again. */
  lastUsedStep: integer("last_used_step"),
  failures: integer("failures").notNull().default(0),
  failureWindowStartedAt: timestampMs("failure_window_started_at"),
});

/** Ten per confirmation, single use; SHA-256 of 80 random bits each (mfa/recovery-codes.ts). */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    codeHash: text("code_hash").notNull(),
    createdAt: timestampMs("created_at").notNull(),
    usedAt: timestampMs("used_at"),
  },
  (t) => [uniqueIndex("recovery_codes_code_hash_unique").on(t.codeHash), index("recovery_codes_user_id_idx").on(t.userId)],
);

/**
 * A first factor that passed, waiting for its second: the `mfa_token` a sign-in answered with
 * (stored as a hash), single use, 5 minutes. It remembers the first factor (`amr`), the device and
 * the credential version it was read with, so a reset in between leaves it worthless.
 */
export const mfaTokens = sqliteTable(
  "mfa_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull(),
    amr: text("amr", { mode: "json" }).$type<string[]>().notNull(),
    deviceId: text("device_id"),
    credentialVersion: integer("credential_version").notNull(),
    createdAt: timestampMs("created_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    usedAt: timestampMs("used_at"),
  },
  (t) => [index("mfa_tokens_expires_at_idx").on(t.expiresAt), index("mfa_tokens_user_id_idx").on(t.userId)],
);

export type UserTotp = typeof userTotp.$inferSelect;
export type MfaToken = typeof mfaTokens.$inferSelect;
