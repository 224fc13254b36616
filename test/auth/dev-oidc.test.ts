import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import devOidc from "../../workers/dev-oidc/index.js";
import { ORIGIN } from "../support/http.js";
import { PROVIDER_ORIGIN } from "../support/oauth-browser.js";

/** The local provider that `npm run dev` and the sign-in tests rely on behaves like a strict one. */
const provider = env.DEV_OIDC;
const redirectUri = `${ORIGIN}/auth/oauth/dev/callback`;
const verifier = "v".repeat(43);

async function challengeOf(codeVerifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function authorizeParams(overrides: Record<string, string | null> = {}): Promise<URLSearchParams> {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: "tether-dev",
    redirect_uri: redirectUri,
    scope: "openid email",
    state: "s",
    nonce: "n",
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) params.delete(name);
    else params.set(name, value);
  }
  return params;
}

/** Approves the form; returns the code from the redirect. */
async function codeFor(params: URLSearchParams): Promise<string> {
  const form = new URLSearchParams(params);
  form.set("decision", "approve");
  form.set("email", "dev@example.com");
  const answer = await provider.fetch(`${PROVIDER_ORIGIN}/authorize`, { method: "POST", body: form, redirect: "manual" });
  return new URL(answer.headers.get("Location") ?? "").searchParams.get("code") ?? "";
}

const redeem = (code: string, codeVerifier = verifier) =>
  provider.fetch(`${PROVIDER_ORIGIN}/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      client_id: "tether-dev",
      code_verifier: codeVerifier,
    }),
  });

describe("the local OIDC provider", () => {
  it("publishes discovery with S256 PKCE and the RFC 9207 iss parameter", async () => {
    const discovery = (await (await provider.fetch(`${PROVIDER_ORIGIN}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer: PROVIDER_ORIGIN,
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it("never redirects to an unregistered redirect_uri", async () => {
    const response = await provider.fetch(
      `${PROVIDER_ORIGIN}/authorize?${await authorizeParams({ redirect_uri: "https://evil.example/cb" })}`,
      { redirect: "manual" },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
  });

  it("requires PKCE S256", async () => {
    const cases: Array<Record<string, string | null>> = [{ code_challenge: null }, { code_challenge_method: "plain" }];
    for (const overrides of cases) {
      const response = await provider.fetch(`${PROVIDER_ORIGIN}/authorize?${await authorizeParams(overrides)}`, { redirect: "manual" });
      expect(new URL(response.headers.get("Location") ?? "").searchParams.get("error")).toBe("invalid_request");
    }
  });

  it("refuses a wrong code_verifier, and a code redeemed twice", async () => {
    const code = await codeFor(await authorizeParams());
    const wrong = await redeem(code, "w".repeat(43));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const other = await codeFor(await authorizeParams());
    expect((await redeem(other)).status).toBe(200);
    expect(await (await redeem(other)).json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses to serve when its ISSUER is not on loopback (deployed by mistake)", async () => {
    const response = await devOidc.fetch(new Request("https://oidc.example/.well-known/openid-configuration"), {
      ISSUER: "https://oidc.example",
      CLIENTS: "[]",
    });
    expect(response.status).toBe(503);
  });

  it("refuses a request addressed to a public host name, whatever its ISSUER", async () => {
    const response = await devOidc.fetch(new Request("https://oidc.example/.well-known/openid-configuration"), {
      ISSUER: "http://localhost:8788",
      CLIENTS: "[]",
    });
    expect(response.status).toBe(403);
  });
});
