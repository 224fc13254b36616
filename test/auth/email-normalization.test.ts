import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import authWorker from "../../workers/auth/index.js";
import { postToAuthApp } from "../support/auth/auth-app.js";
import { countRows } from "../support/auth-db.js";
import { errorOf, getWithBearer, latestMail, postJson, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";

/**
 * DESIGN §6: emails are compared after NFKC and case folding, and control and format characters are
 * refused — so no address has two accounts by spelling, and none hides what it is.
 */
const db = env.AUTH_DB;
const tag = () => crypto.randomUUID().slice(0, 8);
const register = (email: string) => postJson(exports.default, "/auth/register", { email, password: STRONG_PASSWORD, name: "Look Alike" });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("one address, one account", () => {
  it.each([
    [
      "é composed (NFC) and decomposed (NFD)",
      (id: string) => `jos\u00e9-${id}@example.com`,
      (id: string) => `jose\u0301-${id}@example.com`,
    ],
    ["the Kelvin sign and the letter K", (id: string) => `\u212Aate-${id}@example.com`, (id: string) => `kate-${id}@example.com`],
    ["ß and ss", (id: string) => `stra\u00dfe-${id}@example.com`, (id: string) => `STRASSE-${id}@example.com`],
    ["full-width letters", (id: string) => `\uff41\uff44\uff41-${id}@example.com`, (id: string) => `ADA-${id}@example.com`],
  ])("%s: the second is 409 email_taken, and either spelling signs in", async (_case, first, second) => {
    const id = tag();
    expect((await register(first(id))).status).toBe(201);
    const again = await register(second(id));
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("email_taken");
    expect((await postJson(exports.default, "/auth/login", { email: second(id), password: STRONG_PASSWORD })).status).toBe(200);
  });

  it("stores and mails the address in NFKC: a Kelvin-sign registration's mail goes to the Latin K, the owner's inbox", async () => {
    const id = tag();
    const registered = (await (await register(`\u212Aate-${id}@example.com`)).json()) as TokenResponse;
    expect(registered.user.email).toBe(`Kate-${id}@example.com`);
    const me = (await (await getWithBearer(exports.default, "/auth/me", registered.access_token)).json()) as { user: { email: string } };
    expect(me.user.email).toBe(`Kate-${id}@example.com`);
    expect((await postToAuthApp("/auth/password/reset/request", { email: `kate-${id}@example.com` })).status).toBe(202);
    expect((await latestMail(exports.default, `kate-${id}@example.com`, /reset/i)).to).toBe(`Kate-${id}@example.com`);
  });
});

describe("invisible characters", () => {
  it.each([
    ["NUL", "\u0000"],
    ["a zero-width space", "\u200b"],
    ["a right-to-left override", "\u202e"],
    ["a soft hyphen", "\u00ad"],
  ])("%s in an email is refused with 400 validation_failed, and nothing is stored", async (_case, character) => {
    const email = `ev${character}il-${tag()}@example.com`;
    for (const response of [await register(email), await postJson(exports.default, "/auth/login", { email, password: STRONG_PASSWORD })]) {
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toEqual({ code: "validation_failed", message: expect.stringContaining("invisible") });
    }
    expect(await countRows(db, "users", "email LIKE ?", `%il-%${email.slice(-20)}`)).toBe(0);
  });
});

describe("rows from before NFKC and case folding", () => {
  async function legacyUser(email: string): Promise<string> {
    const id = crypto.randomUUID();
    await db
      .prepare(
        "INSERT INTO users (id, email, email_normalized, name, password_hash, permissions, created_at, updated_at, email_normalization) VALUES (?, ?, ?, 'Legacy', NULL, '[]', 0, 0, 1)",
      )
      .bind(id, email, email.trim().toLowerCase())
      .run();
    return id;
  }

  async function runCron() {
    const ctx = createExecutionContext();
    await authWorker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
  }

  const keyOf = async (id: string) =>
    (await db
      .prepare("SELECT email_normalized AS key, email_normalization AS version FROM users WHERE id = ?")
      .bind(id)
      .first<{ key: string; version: number }>()) ?? null;

  it("are renormalized by the cron; two that became one address are reported, not merged", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const id = tag();
    const composed = await legacyUser(`jos\u00e9-${id}@example.com`);
    const decomposed = await legacyUser(`jose\u0301-${id}@example.com`);
    const fullWidth = await legacyUser(`\uff41\uff44\uff41-${id}@example.com`);
    await runCron();

    expect(await keyOf(fullWidth)).toEqual({ key: `ada-${id}@example.com`, version: 2 });
    // One of the pair took the new key; the other kept its own and is reported against it.
    const keys = [await keyOf(composed), await keyOf(decomposed)];
    expect(keys.every((row) => row?.version === 2)).toBe(true);
    expect(keys.filter((row) => row?.key === `jos\u00e9-${id}@example.com`)).toHaveLength(1);
    const conflicts = await db
      .prepare("SELECT user_id, conflicting_user_id FROM email_conflicts WHERE user_id IN (?, ?)")
      .bind(composed, decomposed)
      .all<{ user_id: string; conflicting_user_id: string }>();
    expect(conflicts.results).toHaveLength(1);
    expect(new Set([conflicts.results[0]?.user_id, conflicts.results[0]?.conflicting_user_id])).toEqual(new Set([composed, decomposed]));
    expect(await countRows(db, "users", "id IN (?, ?)", composed, decomposed)).toBe(2);
    const logged = warnings.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("email_conflict"));
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toContain("example.com");
  });
});
