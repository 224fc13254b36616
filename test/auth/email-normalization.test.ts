import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import authWorker from "../../workers/demo/auth.js";
import { postToAuthApp } from "../support/auth/auth-app.js";
import { countRows } from "../support/auth-db.js";
import { errorOf, getWithBearer, latestMail, ORIGIN, postJson, STRONG_PASSWORD, type TokenResponse } from "../support/http.js";

/**
 * docs/protocol.md: emails are compared by a key that never merges two mailboxes — the domain as its IDNA
 * A-label (the URL parser's), the local part in NFC with only ASCII letters lower-cased — and an
 * address without one (control and format characters, a domain the parser refuses) is 400.
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
    [
      "ASCII letters in any case, local part and domain",
      (id: string) => `JOSE-${id}@Example.COM`,
      (id: string) => `jose-${id}@example.com`,
    ],
    ["the Kelvin sign, whose NFC is the letter K", (id: string) => `\u212Aate-${id}@example.com`, (id: string) => `kate-${id}@example.com`],
    ["a Unicode domain and its A-label", (id: string) => `v-${id}@m\u00fcnchen.test`, (id: string) => `v-${id}@xn--mnchen-3ya.test`],
  ])("%s: the second is 409 email_taken, and either spelling signs in", async (_case, first, second) => {
    const id = tag();
    expect((await register(first(id))).status).toBe(201);
    const again = await register(second(id));
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("email_taken");
    expect((await postJson(exports.default, "/auth/login", { email: second(id), password: STRONG_PASSWORD })).status).toBe(200);
  });

  it("stores and mails the address as typed, only trimmed and in NFC: the decomposed é is composed, the case kept", async () => {
    const id = tag();
    const registered = (await (await register(`Jose\u0301-${id}@Example.com`)).json()) as TokenResponse;
    expect(registered.user.email).toBe(`Jos\u00e9-${id}@Example.com`);
    const me = (await (await getWithBearer(exports.default, "/auth/me", registered.access_token)).json()) as { user: { email: string } };
    expect(me.user.email).toBe(`Jos\u00e9-${id}@Example.com`);
    expect((await postToAuthApp("/auth/password/reset/request", { email: `jos\u00e9-${id}@example.com` })).status).toBe(202);
    expect((await latestMail(exports.default, `jos\u00e9-${id}@example.com`, /reset/i)).to).toBe(`Jos\u00e9-${id}@Example.com`);
  });

  it("keeps full-width letters as typed: NFKC would mail a different address than the one registered", async () => {
    const registered = (await (await register(`\uff41\uff44\uff41-${tag()}@example.com`)).json()) as TokenResponse;
    expect(registered.user.email.startsWith("\uff41\uff44\uff41-")).toBe(true);
  });
});

describe("look-alikes stay two accounts", () => {
  it.each([
    ["a dotless ı in the domain", (id: string) => `v-${id}@ma\u0131l.test`, (id: string) => `v-${id}@mail.test`],
    ["ß and ss in the domain", (id: string) => `x-${id}@stra\u00dfe.de`, (id: string) => `x-${id}@strasse.de`],
    ["ß and ss in the local part", (id: string) => `stra\u00dfe-${id}@example.com`, (id: string) => `STRASSE-${id}@example.com`],
    ["full-width and ASCII letters", (id: string) => `\uff41\uff44\uff41-${id}@example.com`, (id: string) => `ADA-${id}@example.com`],
    [
      "a non-ASCII capital and its small letter",
      (id: string) => `\u00c9lise-${id}@example.com`,
      (id: string) => `\u00e9lise-${id}@example.com`,
    ],
  ])("%s: both register, as two users, and each signs into its own", async (_case, first, second) => {
    const id = tag();
    const a = (await (await register(first(id))).json()) as TokenResponse;
    const b = await register(second(id));
    expect(b.status).toBe(201);
    const bUser = ((await b.json()) as TokenResponse).user;
    expect(bUser.id).not.toBe(a.user.id);
    for (const [email, userId] of [
      [first(id), a.user.id],
      [second(id), bUser.id],
    ] as const) {
      const login = (await (await postJson(exports.default, "/auth/login", { email, password: STRONG_PASSWORD })).json()) as TokenResponse;
      expect(login.user.id).toBe(userId);
    }
  });
});

describe("addresses without a comparison key", () => {
  it.each([
    ["a character UTS #46 disallows in a domain", "v@a\u2488.test"],
    ["a last label of digits that is no IPv4 address", "v@example.123"],
    ["an empty label", "v@mail..test"],
    ["a trailing dot", "v@mail.test."],
    ["a percent-escape the parser would decode", "v@ex%61mple.com"],
    ["an IPv4 address the parser would rewrite", "v@0x7f.1"],
    ["a path after the domain", "v@example.com/x"],
    ["a zero-width joiner in the domain", "v@ma\u200dil.test"],
    ["no domain at all", "v@"],
    ["more than 254 characters", `${"v".repeat(64)}@${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(63)}.test`],
  ])("%s is 400 validation_failed in the standard error body, at sign-up, sign-in, reset and the dev mailbox", async (_case, email) => {
    const responses = [
      await register(email),
      await postJson(exports.default, "/auth/login", { email, password: STRONG_PASSWORD }),
      await postJson(exports.default, "/auth/password/reset/request", { email }),
      await exports.default.fetch(`${ORIGIN}/auth/dev/mailbox?email=${encodeURIComponent(email)}`),
    ];
    for (const response of responses) {
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(["error"]);
      expect(body.error).toEqual({ code: "validation_failed", message: expect.any(String) });
    }
    expect(await countRows(db, "users", "email = ?", email)).toBe(0);
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

describe("rows keyed by an older rule", () => {
  /** A row as an older rule wrote it: version 1 keyed by lower-casing alone, version 2 by NFKC and case folding. */
  async function legacyUser(email: string, version: 1 | 2 = 1, key = email.trim().toLowerCase()): Promise<string> {
    const id = crypto.randomUUID();
    await db
      .prepare(
        "INSERT INTO users (id, email, email_normalized, name, password_hash, permissions, created_at, updated_at, email_normalization) VALUES (?, ?, ?, 'Legacy', NULL, '[]', 0, 0, ?)",
      )
      .bind(id, email, key, version)
      .run();
    return id;
  }
  const foldedKey = (email: string) => email.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");

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
  const conflictsOf = async (...ids: string[]) =>
    (
      await db
        .prepare(`SELECT user_id, conflicting_user_id FROM email_conflicts WHERE user_id IN (${ids.map(() => "?").join(", ")})`)
        .bind(...ids)
        .all<{ user_id: string; conflicting_user_id: string }>()
    ).results;

  it("are rekeyed by the cron; two the old rule kept apart and the new one makes one are reported, not merged", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const id = tag();
    const composed = await legacyUser(`jos\u00e9-${id}@example.com`);
    const decomposed = await legacyUser(`jose\u0301-${id}@example.com`);
    const fullWidth = await legacyUser(`\uff41\uff44\uff41-${id}@example.com`);
    await runCron();

    expect(await keyOf(fullWidth)).toEqual({ key: `\uff41\uff44\uff41-${id}@example.com`, version: 3 });
    // One of the pair took the new key; the other kept its own and is reported against it.
    const keys = [await keyOf(composed), await keyOf(decomposed)];
    expect(keys.every((row) => row?.version === 3)).toBe(true);
    expect(keys.filter((row) => row?.key === `jos\u00e9-${id}@example.com`)).toHaveLength(1);
    const conflicts = await conflictsOf(composed, decomposed);
    expect(conflicts).toHaveLength(1);
    expect(new Set([conflicts[0]?.user_id, conflicts[0]?.conflicting_user_id])).toEqual(new Set([composed, decomposed]));
    expect(await countRows(db, "users", "id IN (?, ?)", composed, decomposed)).toBe(2);
    const logged = warnings.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("email_conflict"));
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toContain("example.com");
  });

  it("give back the real owner's address that case folding had handed to a look-alike domain", async () => {
    const id = tag();
    // Case folding keyed the dotless-ı domain's address as the real one: the owner got 409.
    const lookAlike = await legacyUser(`v-${id}@ma\u0131l.test`, 2, foldedKey(`v-${id}@ma\u0131l.test`));
    expect(await keyOf(lookAlike)).toEqual({ key: `v-${id}@mail.test`, version: 2 });
    await runCron();

    expect(await keyOf(lookAlike)).toEqual({ key: `v-${id}@xn--mal-kua.test`, version: 3 });
    const owner = await register(`v-${id}@mail.test`);
    expect(owner.status).toBe(201);
    expect(((await owner.json()) as TokenResponse).user.id).not.toBe(lookAlike);
  });

  it("clear a conflict case folding reported between two mailboxes the new key keeps apart", async () => {
    const id = tag();
    const strasse = await legacyUser(`STRASSE-${id}@example.com`, 2, `strasse-${id}@example.com`);
    // Case folding made straße strasse: that run kept its old key and reported it against STRASSE.
    const strasseSharp = await legacyUser(`stra\u00dfe-${id}@example.com`, 2);
    await db
      .prepare("INSERT INTO email_conflicts (user_id, conflicting_user_id, email_normalized, found_at) VALUES (?, ?, ?, 0)")
      .bind(strasseSharp, strasse, `strasse-${id}@example.com`)
      .run();
    await runCron();

    expect(await keyOf(strasseSharp)).toEqual({ key: `stra\u00dfe-${id}@example.com`, version: 3 });
    expect(await keyOf(strasse)).toEqual({ key: `strasse-${id}@example.com`, version: 3 });
    expect(await conflictsOf(strasse, strasseSharp)).toEqual([]);
  });

  it("report nothing when one row's new key is the key another stale row is about to leave", async () => {
    const id = tag();
    // Lower-casing keyed ÉLISE as élise (composed); the new key leaves É alone, and the NFD élise
    // takes the composed key. Whichever the job meets first, neither is a conflict.
    const decomposed = await legacyUser(`e\u0301lise-${id}@example.com`);
    const capital = await legacyUser(`\u00c9LISE-${id}@example.com`);
    expect(await keyOf(capital)).toEqual({ key: `\u00e9lise-${id}@example.com`, version: 1 });
    await runCron();

    expect(await keyOf(decomposed)).toEqual({ key: `\u00e9lise-${id}@example.com`, version: 3 });
    expect(await keyOf(capital)).toEqual({ key: `\u00c9lise-${id}@example.com`, version: 3 });
    expect(await conflictsOf(decomposed, capital)).toEqual([]);
  });

  it("keep a stored address the new rule refuses as it was, and log it", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const invalid = await legacyUser(`v-${tag()}@example.123`);
    await runCron();

    expect((await keyOf(invalid))?.version).toBe(3);
    const logged = warnings.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("email_key_invalid"));
    expect(logged).toEqual([expect.stringContaining(invalid)]);
  });
});
