import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export * from "./passkey-schema.js";
export * from "./second-factor-schema.js";

/** Unix epoch milliseconds, stored as INTEGER. */
const timestampMs = (name: string) => integer(name, { mode: "number" });

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** As the user typed it, trimmed and in NFC: quotes, SQL and unicode are kept. */
    email: text("email").notNull(),
    /** The comparison key (email-address.ts): the domain's A-label, the local part NFC with ASCII-only lower-casing; look-alikes stay apart. */
    emailNormalized: text("email_normalized").notNull(),
    /** Which normalization `email_normalized` is in: rows of version 1 are renormalized by the cron. */
    emailNormalization: integer("email_normalization").notNull().default(1),
    name: text("name").notNull(),
    /** Versioned PBKDF2 string (see passwords.ts); null for users who only sign in another way. */
    passwordHash: text("password_hash"),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: timestampMs("created_at").notNull(),
    updatedAt: timestampMs("updated_at").notNull(),
    disabledAt: timestampMs("disabled_at"),
    /**
     * When the user proved the address: a verification mail's link, a password reset's, or a
     * provider that says it is verified. Null for a password sign-up until then.
     */
    emailVerifiedAt: timestampMs("email_verified_at"),
    /**
     * Moves on every credential change — a password reset or change, a claim, a second factor —
     * so a sign-in that read the old credential writes no session (sessions.ts, docs/protocol.md).
     */
    credentialVersion: integer("credential_version").notNull().default(0),
  },
  (t) => [
    uniqueIndex("users_email_normalized_unique").on(t.emailNormalized),
    // The cron finds rows still in an older normalization without scanning every user.
    index("users_email_normalization_idx").on(t.emailNormalization),
  ],
);

/** One row per login; its id is the `sid` claim and names the user's session object. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: timestampMs("created_at").notNull(),
    lastActivityAt: timestampMs("last_activity_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    userAgent: text("user_agent"),
    ipAddress: text("ip_address"),
    revokedAt: timestampMs("revoked_at"),
    revokedReason: text("revoked_reason"),
    /**
     * How the user signed in (the access token's `amr`: `["pwd"]`, `["pwd","otp"]`, `["passkey"]`,
     * `["oidc"]`…) and when (`auth_time`): kept on the session so every refresh signs them as they were.
     * Sessions from before these columns read `[]` and their `created_at`.
     */
    amr: text("amr", { mode: "json" })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    authTime: timestampMs("auth_time"),
  },
  (t) => [
    index("sessions_user_id_idx").on(t.userId),
    // Retention (retention.ts): ended sessions are found by when they ended.
    index("sessions_expires_at_idx").on(t.expiresAt),
    index("sessions_revoked_at_idx").on(t.revokedAt),
  ],
);

/**
 * Refresh tokens are stored only as SHA-256 hashes. Every rotation adds one child with the same
 * family (a unique parent_id: two rotations of one token cannot both succeed); presenting a token
 * whose `used_at` is set is reuse, and revokes the family and session — unless it comes within the
 * grace period, when it gets the same child again (tokens/refresh.ts).
 */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    familyId: text("family_id").notNull(),
    parentId: text("parent_id"),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: timestampMs("created_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    usedAt: timestampMs("used_at"),
    revokedAt: timestampMs("revoked_at"),
    /**
     * A child's token is HMAC-SHA256(this salt, the parent's token): a retry of the parent within
     * the grace period recomputes the same child without the child's token ever being stored.
     * Null for a session's first token.
     */
    derivationSalt: text("derivation_salt"),
  },
  (t) => [
    uniqueIndex("refresh_tokens_token_hash_unique").on(t.tokenHash),
    uniqueIndex("refresh_tokens_parent_id_unique").on(t.parentId),
    index("refresh_tokens_family_id_idx").on(t.familyId),
    // Logout and logout-all revoke by session and by user; retention purges by expiry.
    index("refresh_tokens_session_id_idx").on(t.sessionId),
    index("refresh_tokens_user_id_idx").on(t.userId),
    index("refresh_tokens_expires_at_idx").on(t.expiresAt),
    index("refresh_tokens_revoked_at_idx").on(t.revokedAt),
  ],
);

/** Services that may exchange an id and secret for a service token. Secrets stored hashed. */
export const serviceClients = sqliteTable("service_clients", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** SHA-256 of the secret (secrets are 256-bit random, so a fast hash is enough). */
  secretHash: text("secret_hash").notNull(),
  /** Who this service may call: becomes the token's `aud`. */
  audiences: text("audiences", { mode: "json" }).$type<string[]>().notNull(),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
  createdAt: timestampMs("created_at").notNull(),
  disabledAt: timestampMs("disabled_at"),
});

/** `mfa_encryption` holds development's generated AES key for TOTP secrets (mfa/encryption.ts), never a signing key. */
export type SigningKeyPurpose = "access" | "service" | "oauth_state" | "device" | "mfa_encryption";
export type SigningKeyStatus = "current" | "previous" | "retired";

/**
 * Key pairs generated by the Worker itself (development, and rotation). Staging and production
 * configure theirs as secrets instead; see tokens/keys.ts.
 */
export const signingKeys = sqliteTable(
  "signing_keys",
  {
    kid: text("kid").primaryKey(),
    purpose: text("purpose").$type<SigningKeyPurpose>().notNull(),
    status: text("status").$type<SigningKeyStatus>().notNull(),
    algorithm: text("algorithm").notNull(),
    privateJwk: text("private_jwk").notNull(),
    publicJwk: text("public_jwk").notNull(),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [
    // At most one current key per purpose: two isolates generating a first key race safely.
    uniqueIndex("signing_keys_one_current_per_purpose")
      .on(t.purpose)
      .where(sql`status = 'current'`),
  ],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type RefreshToken = typeof refreshTokens.$inferSelect;
export type ServiceClient = typeof serviceClients.$inferSelect;
export type SigningKey = typeof signingKeys.$inferSelect;

/** Revocations close sockets; `user_updated` and `user_claimed` tell the backend about the user (user-sync.ts). */
export type SessionSyncKind = "revoke_session" | "revoke_user" | "user_updated" | "user_claimed";

/**
 * Session sync outbox: every revocation is recorded here in the same batch that revokes, then
 * pushed to the backend's SessionControl. A push that fails stays pending and is retried (on the
 * next revocation and by the cron trigger), so a backend outage delays but never loses it.
 */
export const sessionSyncOutbox = sqliteTable(
  "session_sync_outbox",
  {
    id: text("id").primaryKey(),
    kind: text("kind").$type<SessionSyncKind>().notNull(),
    userId: text("user_id").notNull(),
    sessionIds: text("session_ids", { mode: "json" }).$type<string[]>().notNull(),
    reason: text("reason").notNull(),
    createdAt: timestampMs("created_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    deliveredAt: timestampMs("delivered_at"),
  },
  // Pending rows are pushed fewest attempts first: a backlog that keeps failing never holds back a new one.
  (t) => [index("session_sync_outbox_pending_idx").on(t.deliveredAt, t.attempts, t.createdAt)],
);
export type SessionSyncEvent = typeof sessionSyncOutbox.$inferSelect;

/**
 * Sign-ins through an OIDC/OAuth provider: (issuer, subject) names the person at the provider,
 * as OpenID Connect says it should; one user may have several.
 */
export const userIdentities = sqliteTable(
  "user_identities",
  {
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    /** The configured provider id (`google`, `github`, `dev`, …) it was first seen through. */
    provider: text("provider").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** What the provider last said, for support; sign-in never trusts it without `email_verified`. */
    email: text("email"),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull(),
    createdAt: timestampMs("created_at").notNull(),
    lastLoginAt: timestampMs("last_login_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] }), index("user_identities_user_id_idx").on(t.userId)],
);

/**
 * One provider sign-in from start to handoff. The `state` sent to the provider is a signed,
 * short-lived JWT naming this row; the PKCE verifier and nonce never leave the database. The row
 * is claimed once at the callback (replay), then carries the single-use handoff code's hash.
 */
export const oauthLogins = sqliteTable(
  "oauth_logins",
  {
    id: text("id").primaryKey(),
    provider: text("provider").notNull(),
    /** SHA-256 of the browser-binding cookie set at start: the callback must come from that browser. */
    browserBindingHash: text("browser_binding_hash").notNull(),
    codeVerifier: text("code_verifier").notNull(),
    nonce: text("nonce"),
    redirectUri: text("redirect_uri").notNull(),
    returnTo: text("return_to").notNull(),
    createdAt: timestampMs("created_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    callbackAt: timestampMs("callback_at"),
    userId: text("user_id").references(() => users.id),
    /** BASE64URL(SHA-256(verifier)) the app sent at start: only its verifier can redeem the handoff. */
    handoffChallenge: text("handoff_challenge"),
    handoffHash: text("handoff_hash"),
    handoffExpiresAt: timestampMs("handoff_expires_at"),
    handoffUsedAt: timestampMs("handoff_used_at"),
  },
  (t) => [
    uniqueIndex("oauth_logins_handoff_hash_unique").on(t.handoffHash),
    index("oauth_logins_expires_at_idx").on(t.expiresAt),
    // A foreign key's column: without it, SQLite checks every sign-in row when a user row changes.
    index("oauth_logins_user_id_idx").on(t.userId),
  ],
);

export type UserIdentity = typeof userIdentities.$inferSelect;
export type OAuthLogin = typeof oauthLogins.$inferSelect;

export type EmailTokenPurpose = "verify_email" | "reset_password";

/**
 * Single-use tokens sent by mail (tokens/email-tokens.ts): 256-bit random, stored only as a
 * SHA-256 hash, bound to one purpose, one user and the address they were sent to.
 */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose").$type<EmailTokenPurpose>().notNull(),
    tokenHash: text("token_hash").notNull(),
    /** The address the mail went to: the token proves that address, and no other. */
    email: text("email").notNull(),
    createdAt: timestampMs("created_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    usedAt: timestampMs("used_at"),
  },
  (t) => [
    uniqueIndex("email_tokens_token_hash_unique").on(t.tokenHash),
    index("email_tokens_user_id_idx").on(t.userId),
    index("email_tokens_expires_at_idx").on(t.expiresAt),
  ],
);
export type EmailToken = typeof emailTokens.$inferSelect;

/**
 * Failed sign-ins (login-throttle.ts), keyed by the account's email key — whether or not an account
 * has it, so the answer is the same for both — and a scope: `account` (every address),
 * `address:<client>` (one client address or IPv6 /64) or `device:<id>` (one device token). Each row
 * counts attempts reserved in a fixed window that starts with the first.
 */
export const loginFailures = sqliteTable(
  "login_failures",
  {
    emailNormalized: text("email_normalized").notNull(),
    scope: text("scope").notNull().default("account"),
    failures: integer("failures").notNull(),
    windowStartedAt: timestampMs("window_started_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.emailNormalized, t.scope] }), index("login_failures_window_started_at_idx").on(t.windowStartedAt)],
);

/**
 * Development only: the mail that would have been sent, readable at GET /auth/dev/mailbox. Never
 * written outside development (mail/mailer.ts).
 */
export const devMailbox = sqliteTable(
  "dev_mailbox",
  {
    id: text("id").primaryKey(),
    toNormalized: text("to_normalized").notNull(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    token: text("token").notNull(),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [index("dev_mailbox_to_created_idx").on(t.toNormalized, t.createdAt), index("dev_mailbox_created_at_idx").on(t.createdAt)],
);

/**
 * Accounts whose addresses became one under a newer normalization (users.ts): found by the cron
 * when it renormalizes old rows, reported here and in the logs, never merged — an operator decides.
 */
export const emailConflicts = sqliteTable(
  "email_conflicts",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id),
    /** The account that already holds the normalized address. */
    conflictingUserId: text("conflicting_user_id")
      .notNull()
      .references(() => users.id),
    emailNormalized: text("email_normalized").notNull(),
    foundAt: timestampMs("found_at").notNull(),
  },
  (t) => [index("email_conflicts_conflicting_user_id_idx").on(t.conflictingUserId)],
);
