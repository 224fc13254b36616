/**
 * @module
 * Passkeys (WebAuthn discoverable credentials, docs/sign-in.md, Passkeys) and the challenges of
 * their ceremonies. Re-exported by schema.ts, where drizzle-kit reads them.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const timestampMs = (name: string) => integer(name, { mode: "number" });

/** One registered passkey: its public key (COSE), signature counter and the user it signs in. */
export const passkeys = sqliteTable(
  "passkeys",
  {
    /** Ours, for the routes (`/auth/passkeys/:id`); the credential id can be a kilobyte long. */
    id: text("id").primaryKey(),
    /** The credential id, base64url, as the authenticator reports it at every sign-in. */
    credentialId: text("credential_id").notNull(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
    /** The COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    /** The signature counter last seen: a sign-in whose counter does not move past it is refused (a cloned authenticator). */
    counter: integer("counter").notNull(),
    transports: text("transports", { mode: "json" }).$type<string[]>().notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull(),
    createdAt: timestampMs("created_at").notNull(),
    lastUsedAt: timestampMs("last_used_at"),
  },
  (t) => [uniqueIndex("passkeys_credential_id_unique").on(t.credentialId), index("passkeys_user_id_idx").on(t.userId)],
);

export type WebAuthnCeremony = "registration" | "authentication";

/**
 * A ceremony's challenge: random, single use (claimed by a conditional update), 5 minutes, bound
 * to its ceremony and — for a registration — to the signed-in user who asked for it.
 */
export const webauthnChallenges = sqliteTable(
  "webauthn_challenges",
  {
    id: text("id").primaryKey(),
    challenge: text("challenge").notNull(),
    ceremony: text("ceremony").$type<WebAuthnCeremony>().notNull(),
    userId: text("user_id"),
    createdAt: timestampMs("created_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    usedAt: timestampMs("used_at"),
  },
  (t) => [uniqueIndex("webauthn_challenges_challenge_unique").on(t.challenge), index("webauthn_challenges_expires_at_idx").on(t.expiresAt)],
);

export type Passkey = typeof passkeys.$inferSelect;
export type WebAuthnChallenge = typeof webauthnChallenges.$inferSelect;
