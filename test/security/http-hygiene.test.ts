/**
 * @module
 * HTTP hygiene: tokens never cached by anyone, CORS for allowed origins only, and no stack trace
 * or internal detail in an error. (The demo page's Content-Security-Policy is checked against a
 * real dev server, where static assets are served: test/security/node/.)
 */
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../workers/shared/errors.js";
import { onError } from "../../workers/shared/http.js";
import { ORIGIN, postJson, registerUser, uniqueEmail, type TokenResponse } from "../support/http.js";

describe("token responses", () => {
  it("carry Cache-Control: no-store, from every route that hands out tokens", async () => {
    const email = uniqueEmail("hygiene");
    const registered = await postJson(exports.default, "/auth/register", { email, password: "correct horse battery staple", name: "H" });
    const tokens = (await registered.clone().json()) as TokenResponse;
    const answers = [
      registered,
      await postJson(exports.default, "/auth/login", { email, password: "correct horse battery staple" }),
      await postJson(exports.default, "/auth/dev/login", { email: uniqueEmail("dev") }),
      await postJson(exports.default, "/auth/refresh", { refresh_token: tokens.refresh_token }),
      await postJson(exports.default, "/auth/service-token", {
        service_id: env.AUTH_SERVICE_ID,
        service_secret: env.AUTH_SERVICE_SECRET,
      }),
      await exports.default.fetch(`${ORIGIN}/auth/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBeLessThan(300);
      expect(answer.headers.get("Cache-Control")).toBe("no-store");
    }
  });
});

describe("the user's data at /api", () => {
  it("is never cached on the way, nor sniffed: no-store and nosniff on answers and refusals alike", async () => {
    const { access_token, user } = await registerUser(exports.default);
    const answers = [
      await exports.default.fetch(`${ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${access_token}` } }),
      await exports.default.fetch(`${ORIGIN}/api/threads`, { headers: { Authorization: `Bearer ${access_token}` } }),
      await exports.default.fetch(`${ORIGIN}/api/threads/${crypto.randomUUID()}/messages`, {
        headers: { Authorization: `Bearer ${access_token}` },
      }),
      await exports.default.fetch(`${ORIGIN}/api/me`),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 401]);
    for (const answer of answers) {
      expect(answer.headers.get("Cache-Control")).toBe("no-store");
      expect(answer.headers.get("X-Content-Type-Options")).toBe("nosniff");
    }
    expect(((await answers[0]?.json()) as { user: { id: string } }).user.id).toBe(user.id);
  });
});

describe("security headers", () => {
  /** What hono's secureHeaders sets, as both Workers configure it (workers/shared/http.ts). */
  const expectSecurityHeaders = (answer: Response, where: string) => {
    expect(answer.headers.get("X-Content-Type-Options"), where).toBe("nosniff");
    expect(answer.headers.get("X-Frame-Options"), where).toBe("SAMEORIGIN");
    expect(answer.headers.get("Referrer-Policy"), where).toBe("no-referrer");
    expect(answer.headers.get("Strict-Transport-Security"), where).toMatch(/^max-age=\d+/);
    // Unset on purpose: the auth API answers the allowed return origins, which CORS governs.
    expect(answer.headers.get("Cross-Origin-Resource-Policy"), where).toBeNull();
  };

  it("are on the backend's own answers and refusals, and on the auth Worker's, forwarded or refused", async () => {
    const { access_token } = await registerUser(exports.default);
    const answers: Array<[string, Response]> = [
      ["/api/me", await exports.default.fetch(`${ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${access_token}` } })],
      ["/api/me without a token", await exports.default.fetch(`${ORIGIN}/api/me`)],
      ["/health", await exports.default.fetch(`${ORIGIN}/health`)],
      ["/auth/me", await exports.default.fetch(`${ORIGIN}/auth/me`, { headers: { Authorization: `Bearer ${access_token}` } })],
      [
        "/auth/login with a bad body",
        await exports.default.fetch(`${ORIGIN}/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" }),
      ],
      ["/.well-known/jwks.json", await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`)],
    ];
    expect(answers.map(([, answer]) => answer.status)).toEqual([200, 401, 200, 200, 400, 200]);
    for (const [where, answer] of answers) expectSecurityHeaders(answer, where);
  });
});

describe("CORS", () => {
  const preflight = (path: string, origin: string) =>
    exports.default.fetch(`${ORIGIN}${path}`, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization" },
    });

  it("answers an allowed origin on the auth routes, and nobody else anywhere", async () => {
    // The allowed return origins of the default config: http://localhost:8787.
    const allowed = await preflight("/auth/login", "http://localhost:8787");
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:8787");
    expect(allowed.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    for (const origin of ["https://evil.example", "http://localhost:8787.evil.example", "null", "http://localhost"]) {
      for (const path of ["/auth/login", "/auth/refresh", "/api/me"]) {
        const answer = await preflight(path, origin);
        expect(answer.headers.get("Access-Control-Allow-Origin"), `${origin} ${path}`).toBeNull();
      }
    }
    const user = await registerUser(exports.default);
    const api = await exports.default.fetch(`${ORIGIN}/api/me`, {
      headers: { Authorization: `Bearer ${user.access_token}`, Origin: "https://evil.example" },
    });
    expect(api.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("errors", () => {
  it("never carry a stack trace or the message of an unexpected exception", async () => {
    const app = new Hono();
    app.get("/boom", () => {
      throw new Error("SELECT secret FROM keys WHERE kid = 'x'\n    at handler (/src/workers/auth/keys.ts:42:7)");
    });
    app.get("/typed", () => {
      throw new ApiError("forbidden", "Not for you.");
    });
    app.onError(onError);
    const boom = await app.request("/boom");
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal_error", message: expect.any(String) } });
    expect(text).not.toMatch(/SELECT|secret|\.ts:\d+|\n\s+at /);
    expect(await (await app.request("/typed")).json()).toEqual({ error: { code: "forbidden", message: "Not for you." } });
  });

  it("refuses an oversized body streamed without a Content-Length with 413, storing nothing", async () => {
    const email = uniqueEmail("stream");
    const body = new TextEncoder().encode(JSON.stringify({ email, password: "p".repeat(30_000), name: "Stream" }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < body.byteLength; offset += 4096) controller.enqueue(body.slice(offset, offset + 4096));
        controller.close();
      },
    });
    const answer = await exports.default.fetch(`${ORIGIN}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: stream,
    });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    const login = await postJson(exports.default, "/auth/login", { email, password: "p".repeat(30) });
    expect(login.status).toBe(401);
  });
});
