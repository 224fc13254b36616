import { exports } from "cloudflare:workers";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
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

  it("answers its own /health", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/health`);
    expect(await response.json()).toMatchObject({ status: "ok", service: "backend" });
  });
});
