import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { errorOf, freshClientIp, ORIGIN, postJson, registerUser, STRONG_PASSWORD, uniqueEmail } from "../support/http.js";

const db = env.AUTH_DB;
const usersWithEmail = (email: string) => countRows(db, "users", "email_normalized = lower(?)", email);

/** Sends a raw body with a chosen content type. */
function postRaw(path: string, body: string, contentType: string) {
  return exports.default.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "Content-Type": contentType, "CF-Connecting-IP": freshClientIp() },
    body,
  });
}

describe("register refuses bad input with a clear error and stores nothing", () => {
  const email = () => uniqueEmail("bad");

  it.each([
    ["malformed JSON", (e: string) => postRaw("/auth/register", `{"email":"${e}",`, "application/json"), 400, "invalid_json"],
    [
      "a content type other than JSON",
      (e: string) => postRaw("/auth/register", JSON.stringify({ email: e, password: STRONG_PASSWORD, name: "N" }), "text/plain"),
      415,
      "unsupported_media_type",
    ],
    [
      "an unknown field",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: STRONG_PASSWORD, name: "N", admin: true }),
      400,
      "validation_failed",
    ],
    [
      "a missing field",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: STRONG_PASSWORD }),
      400,
      "validation_failed",
    ],
    [
      "a non-string name",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: STRONG_PASSWORD, name: 42 }),
      400,
      "validation_failed",
    ],
    [
      "a blank name",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: STRONG_PASSWORD, name: "   " }),
      400,
      "validation_failed",
    ],
    [
      "a short password",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: "abc12", name: "N" }),
      400,
      "weak_password",
    ],
    [
      "a common password",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: "password123", name: "N" }),
      400,
      "weak_password",
    ],
    [
      "the email as password",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: e, name: "N" }),
      400,
      "weak_password",
    ],
    [
      "a 129-character password",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: "x1".repeat(64) + "y", name: "N" }),
      400,
      "validation_failed",
    ],
    [
      "a body over 16 KiB",
      (e: string) => postJson(exports.default, "/auth/register", { email: e, password: "p".repeat(20_000), name: "N" }),
      413,
      "payload_too_large",
    ],
  ])("%s", async (_label, send, status, code) => {
    const address = email();
    const response = await send(address);
    expect(response.status).toBe(status);
    expect((await errorOf(response)).code).toBe(code);
    expect(await usersWithEmail(address)).toBe(0);
  });

  it.each(["not-an-email", "a@b", "spaces in@example.com", "two@@example.com", `${"x".repeat(250)}@example.com`])(
    "an invalid email (%#)",
    async (address) => {
      const response = await postJson(exports.default, "/auth/register", { email: address, password: STRONG_PASSWORD, name: "N" });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: "validation_failed", message: expect.stringContaining("email") });
      expect(await usersWithEmail(address)).toBe(0);
    },
  );

  it("refuses a duplicate email, in any letter case, with 409 and keeps one row", async () => {
    const address = uniqueEmail("dup");
    await registerUser(exports.default, { email: address });
    const again = await postJson(exports.default, "/auth/register", {
      email: address.toUpperCase(),
      password: STRONG_PASSWORD,
      name: "Other",
    });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("email_taken");
    expect(await usersWithEmail(address)).toBe(1);
  });

  it("stores emails and names with quotes, SQL and unicode exactly as sent", async () => {
    const cases = [
      { email: `o'brien+${crypto.randomUUID().slice(0, 8)}@example.com`, name: `Robert'); DROP TABLE users;--` },
      { email: `jörg-${crypto.randomUUID().slice(0, 8)}@exämple.de`, name: `Zoë "the coder" 👩‍💻 مرحبا` },
    ];
    for (const input of cases) {
      const { user } = await registerUser(exports.default, input);
      const row = await db.prepare("SELECT email, name FROM users WHERE id = ?").bind(user.id).first<{ email: string; name: string }>();
      expect(row).toEqual(input);
      expect(user).toMatchObject(input);
    }
    expect(await countRows(db, "users")).toBeGreaterThan(0);
  });
});

describe("login", () => {
  it("answers a wrong password and an unknown email alike, with 401", async () => {
    const { user } = await registerUser(exports.default);
    const wrong = await postJson(exports.default, "/auth/login", { email: user.email, password: "not the password" });
    const unknown = await postJson(exports.default, "/auth/login", { email: uniqueEmail("nobody"), password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await errorOf(wrong)).toEqual(await errorOf(unknown));
  });

  it("opens a new session for each login, with any letter case of the email", async () => {
    const first = await registerUser(exports.default);
    const response = await postJson(exports.default, "/auth/login", { email: first.user.email.toUpperCase(), password: STRONG_PASSWORD });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await countRows(db, "sessions", "user_id = ?", first.user.id)).toBe(2);
  });

  it("rate-limits repeated attempts from one address with 429 and Retry-After", async () => {
    const headers = { "CF-Connecting-IP": "203.0.113.77" };
    let limited: Response | null = null;
    for (let attempt = 0; attempt < 40 && !limited; attempt += 1) {
      // A new address each time: this is the per-address limit, not the per-account one.
      const response = await postJson(
        exports.default,
        "/auth/login",
        { email: uniqueEmail("nobody"), password: "whatever-it-is" },
        headers,
      );
      if (response.status === 429) limited = response;
    }
    expect(limited).not.toBeNull();
    expect(limited?.headers.get("Retry-After")).toBe("60");
    expect((await errorOf(limited as Response)).code).toBe("rate_limited");
  });
});
