import { env, exports } from "cloudflare:workers";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import backendApp from "../../workers/demo/backend.js";
import { registerUser, ORIGIN } from "../support/http.js";

describe("one origin: the backend forwards auth routes over its binding", () => {
  it("registers through the backend and the token verifies against the forwarded JWKS", async () => {
    const tokens = await registerUser(exports.default);
    const jwksResponse = await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`);
    expect(jwksResponse.status).toBe(200);
    const { payload } = await jwtVerify(tokens.access_token, createLocalJWKSet(await jwksResponse.json()), {
      issuer: "http://localhost:8787",
      audience: "tether-api",
    });
    expect(payload).toMatchObject({ sub: tokens.user.id, token_type: "access" });
  });

  it("gives every answer a request id, and passes the caller's on to auth", async () => {
    const own = await exports.default.fetch(`${ORIGIN}/health`);
    expect(own.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    const forwarded = await exports.default.fetch(`${ORIGIN}/.well-known/jwks.json`, { headers: { "X-Request-Id": "trace-0123456789" } });
    expect(forwarded.headers.get("X-Request-Id")).toBe("trace-0123456789");
    const garbage = await exports.default.fetch(`${ORIGIN}/health`, { headers: { "X-Request-Id": "<script>" } });
    expect(garbage.headers.get("X-Request-Id")).not.toBe("<script>");
  });

  it("answers its own /health", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/health`);
    expect(await response.json()).toMatchObject({ status: "ok", service: "backend", environment: "development" });
  });

  it("answers /health 503 misconfigured when its service secret is missing", async () => {
    const { AUTH_SERVICE_SECRET: _omitted, ...rest } = env;
    const response = await backendApp.fetch(new Request(`${ORIGIN}/health`), { ...rest, ENVIRONMENT: "production" });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "misconfigured",
      problems: [expect.stringMatching(/^AUTH_SERVICE_SECRET is not set/)],
    });
  });
});
