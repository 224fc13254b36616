import { describe, expect, it } from "vitest";
import { ApiError } from "../../workers/shared/errors.js";
import { clientSecretName, configuredProviders } from "../../workers/auth/oauth/providers.js";
import { checkReturnTo, originAllowed, parseAllowedOrigins } from "../../workers/auth/oauth/return-origins.js";

describe("ALLOWED_RETURN_ORIGINS", () => {
  it("reads exact origins and one-label wildcards, separated by commas or spaces", () => {
    expect(parseAllowedOrigins("https://app.example, http://localhost:8787  https://*.Preview.Example")).toEqual([
      { kind: "exact", origin: "https://app.example" },
      { kind: "exact", origin: "http://localhost:8787" },
      { kind: "wildcard", suffix: "preview.example" },
    ]);
  });

  it("skips entries that are not origins, and wildcards over a bare top-level domain or with a scheme other than https", () => {
    const rules = parseAllowedOrigins(
      "https://app.example/path https://*.dev http://*.preview.example https://user@app.example ftp://app.example https://*.*.example https://ok.example",
    );
    expect(rules).toEqual([{ kind: "exact", origin: "https://ok.example" }]);
  });

  it("matches an Origin header exactly, never a prefix or suffix of it", () => {
    const rules = parseAllowedOrigins("https://app.example https://*.preview.example");
    expect(originAllowed("https://app.example", rules)).toBe(true);
    expect(originAllowed("https://pr-1.preview.example", rules)).toBe(true);
    for (const origin of [
      "https://app.example.evil",
      "https://evilapp.example",
      "https://app.example/",
      "null",
      "",
      "https://x.y.preview.example",
    ]) {
      expect(originAllowed(origin, rules)).toBe(false);
    }
  });

  it("matches with no rules at all nothing", () => {
    expect(() => checkReturnTo("https://app.example/", [])).toThrow(ApiError);
  });
});

describe("OAUTH_PROVIDERS", () => {
  it("resolves the presets and a generic OIDC issuer, with secrets from OAUTH_CLIENT_SECRET_<ID>", () => {
    const env = {
      OAUTH_PROVIDERS: JSON.stringify({
        google: { type: "google", client_id: "g" },
        github: { type: "github", client_id: "h" },
        "my-okta": { type: "oidc", issuer: "https://example.okta.com", client_id: "o", name: "Okta" },
      }),
      OAUTH_CLIENT_SECRET_GOOGLE: "google-secret",
      OAUTH_CLIENT_SECRET_MY_OKTA: "okta-secret",
    };
    const providers = configuredProviders(env, { oauthProviders: env.OAUTH_PROVIDERS });
    expect(providers.get("google")).toMatchObject({
      protocol: "oidc",
      issuer: "https://accounts.google.com",
      clientSecret: "google-secret",
      scopes: ["openid", "email", "profile"],
    });
    expect(providers.get("github")).toMatchObject({
      protocol: "github",
      issuer: "https://github.com",
      apiUrl: "https://api.github.com",
      clientSecret: null,
    });
    expect(providers.get("my-okta")).toMatchObject({
      protocol: "oidc",
      name: "Okta",
      issuer: "https://example.okta.com",
      clientSecret: "okta-secret",
    });
    expect(clientSecretName("my-okta")).toBe("OAUTH_CLIENT_SECRET_MY_OKTA");
  });

  it.each([
    ["not JSON", "{google"],
    ["an unknown type", JSON.stringify({ x: { type: "saml", client_id: "a" } })],
    ["an unknown field", JSON.stringify({ x: { type: "google", client_id: "a", client_secret: "in a var!" } })],
    ["a bad provider id", JSON.stringify({ "Bad Id": { type: "google", client_id: "a" } })],
    ["an issuer that is not http(s)", JSON.stringify({ x: { type: "oidc", issuer: "javascript:alert(1)", client_id: "a" } })],
  ])("answers 503 provider_unavailable for %s", (_name, raw) => {
    expect(() => configuredProviders({}, { oauthProviders: raw })).toThrow(
      expect.objectContaining({ code: "provider_unavailable", status: 503 }),
    );
  });
});
