import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { oneOriginDevServer } from "../support/node/one-origin-dev-server.js";

/** Both Workers in one `wrangler dev`, as `npm run dev` runs them: one origin for everything. */
describe("both Workers on one origin", () => {
  const server = oneOriginDevServer();

  it("registers at /auth/register and the token verifies against /.well-known/jwks.json", async () => {
    const email = `e2e-${crypto.randomUUID()}@example.com`;
    const response = await fetch(`${server().origin}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery", name: "E2E" }),
    });
    expect(response.status).toBe(201);
    const { access_token } = (await response.json()) as { access_token: string };
    const jwks = (await (await fetch(`${server().origin}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
      issuer: "http://localhost:8787",
      audience: "tether-api",
    });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload).toMatchObject({ email, token_type: "access" });
  });

  it("serves the demo page at /", async () => {
    const response = await fetch(`${server().origin}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<title>Tether</title>");
  });

  it("answers unknown API routes with the JSON error shape", async () => {
    const response = await fetch(`${server().origin}/auth/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });
});
