import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig, unstable_readConfig } from "wrangler";
import { configuredProviders } from "../../workers/auth/oauth/providers.js";
import { parseAllowedOrigins } from "../../workers/auth/oauth/return-origins.js";

/**
 * `wrangler deploy --env staging` as a checked path: CI dry-runs both Workers (npm run
 * deploy:check), and these tests read the same configs through wrangler and check what a dry-run
 * cannot — that staging is wired to staging and nothing of development leaks into it.
 */
const AUTH_CONFIG = "workers/auth/wrangler.toml";
const BACKEND_CONFIG = "wrangler.toml";

const read = (config: string, env?: string) => unstable_readConfig({ config, ...(env ? { env } : {}) }, { hideWarnings: true });
const auth = { dev: read(AUTH_CONFIG), staging: read(AUTH_CONFIG, "staging") };
const backend = { dev: read(BACKEND_CONFIG), staging: read(BACKEND_CONFIG, "staging") };
const authVars = auth.staging.vars as Record<string, string>;
const backendVars = backend.staging.vars as Record<string, string>;

const routeHost = (route: unknown) => (typeof route === "object" && route !== null && "pattern" in route ? String(route.pattern) : String(route));

describe("[env.staging] of both Workers", () => {
  it("has its own Worker names, databases and rate-limit namespace", () => {
    expect(auth.staging.name).toBe("tether-auth-staging");
    expect(backend.staging.name).toBe("tether-backend-staging");
    const devIds = [...auth.dev.d1_databases, ...backend.dev.d1_databases].map((db) => db.database_id);
    for (const db of [...auth.staging.d1_databases, ...backend.staging.d1_databases]) {
      expect(db.database_name).toMatch(/-staging$/);
      expect(devIds).not.toContain(db.database_id);
    }
    const namespaces = (config: typeof auth.dev) => (config.ratelimits as Array<{ namespace_id: string }>).map((limit) => limit.namespace_id);
    expect(namespaces(auth.staging)).not.toEqual(namespaces(auth.dev));
  });

  it("binds each Worker to the other's staging Worker, both ways", () => {
    expect(backend.staging.services).toContainEqual(expect.objectContaining({ binding: "AUTH", service: auth.staging.name, entrypoint: "AuthService" }));
    expect(auth.staging.services).toContainEqual(expect.objectContaining({ binding: "BACKEND", service: backend.staging.name, entrypoint: "SessionControl" }));
  });

  it("runs as staging, with https issuers that agree between the Workers", () => {
    expect(authVars.ENVIRONMENT).toBe("staging");
    expect(backendVars.ENVIRONMENT).toBe("staging");
    expect(authVars.AUTH_ISSUER).toMatch(/^https:\/\//);
    expect(backendVars.AUTH_ISSUER).toBe(authVars.AUTH_ISSUER);
    expect(backendVars.ACCESS_TOKEN_AUDIENCE).toBe(authVars.ACCESS_TOKEN_AUDIENCE);
    expect(backendVars.AUTH_SERVICE_ID).toBe("tether-backend-staging");
  });

  it("has routes: the backend's public origin, and the auth origin that hosts the OAuth callback", () => {
    expect(backend.staging.routes?.map(routeHost)).toEqual(["staging.tether.example"]);
    expect(auth.staging.routes?.map(routeHost)).toEqual([new URL(authVars.OAUTH_CALLBACK_ORIGIN ?? "").host]);
    expect(new URL(authVars.AUTH_ISSUER ?? "").host).toBe(new URL(authVars.OAUTH_CALLBACK_ORIGIN ?? "").host);
  });

  it("allows only https return origins, every entry of which parses", () => {
    const entries = (authVars.ALLOWED_RETURN_ORIGINS ?? "").split(/[\s,]+/).filter(Boolean);
    const rules = parseAllowedOrigins(authVars.ALLOWED_RETURN_ORIGINS ?? "");
    expect(rules).toHaveLength(entries.length);
    expect(entries.every((entry) => entry.startsWith("https://"))).toBe(true);
    expect(rules).toContainEqual({ kind: "exact", origin: "https://staging.tether.example" });
  });

  it("configures real providers over https, never the local dev provider", () => {
    const providers = [...configuredProviders(authVars).values()];
    expect(providers.map((provider) => provider.id).sort()).toEqual(["github", "google"]);
    for (const provider of providers) {
      for (const url of [provider.issuer, provider.apiUrl].filter((value): value is string => value !== null)) {
        expect(new URL(url).protocol).toBe("https:");
      }
    }
  });
});

describe("development-only parts", () => {
  it("the local OIDC provider has no staging environment", () => {
    const { rawConfig } = experimental_readRawConfig({ config: "workers/dev-oidc/wrangler.toml" });
    expect(rawConfig.env).toBeUndefined();
    expect(rawConfig.routes).toBeUndefined();
  });

  it("npm run migrate:staging applies the staging databases of both configs", () => {
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const db of [...auth.staging.d1_databases, ...backend.staging.d1_databases]) {
      expect(scripts["migrate:staging"]).toContain(`migrations apply ${db.database_name} --remote`);
    }
    expect(scripts["deploy:staging"]).toMatch(/-c workers\/auth\/wrangler.toml --env staging && .*-c wrangler.toml --env staging$/);
  });
});
