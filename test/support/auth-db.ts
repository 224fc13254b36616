/**
 * @module
 * Direct access to the auth database for seeding and for asserting what was (not) stored.
 */
import { sha256Base64Url, randomToken } from "../../workers/shared/crypto.js";

export async function countRows(db: D1Database, table: string, where = "1 = 1", ...params: unknown[]) {
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export interface SeededServiceClient {
  id: string;
  secret: string;
}

/** Registers a service client the way an operator would: only the secret's hash is stored. */
export async function seedServiceClient(
  db: D1Database,
  options: { id?: string; secret?: string; name?: string; audiences?: string[]; permissions?: string[]; disabled?: boolean } = {},
): Promise<SeededServiceClient> {
  const id = options.id ?? `svc-${crypto.randomUUID()}`;
  const secret = options.secret ?? randomToken(32);
  await db
    .prepare(
      `INSERT INTO service_clients (id, name, secret_hash, audiences, permissions, created_at, disabled_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash, audiences = excluded.audiences,
         permissions = excluded.permissions, disabled_at = excluded.disabled_at`,
    )
    .bind(
      id,
      options.name ?? id,
      await sha256Base64Url(secret),
      JSON.stringify(options.audiences ?? ["tether-auth"]),
      JSON.stringify(options.permissions ?? ["tokens:validate", "users:read"]),
      Date.now(),
      options.disabled ? Date.now() : null,
    )
    .run();
  return { id, secret };
}

/** A password-reset token for `user`, as a reset mail would carry it (its hash stored, 10 minutes). */
export async function seedResetToken(db: D1Database, user: { id: string; email: string }): Promise<string> {
  const token = randomToken(32);
  const nowMs = Date.now();
  await db
    .prepare(
      "INSERT INTO email_tokens (id, user_id, purpose, token_hash, email, created_at, expires_at) VALUES (?, ?, 'reset_password', ?, ?, ?, ?)",
    )
    .bind(crypto.randomUUID(), user.id, await sha256Base64Url(token), user.email, nowMs, nowMs + 600_000)
    .run();
  return token;
}
