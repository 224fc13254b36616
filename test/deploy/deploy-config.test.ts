import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig, unstable_readConfig } from "wrangler";
import { configuredProviders } from "../../workers/auth/oauth/providers.js";
import { parseAllowedOrigins } from "../../workers/auth/oauth/return-origins.js";
import { isLoopbackUrl } from "../../workers/shared/loopback.js";

/** The providers a config section's vars configure (`OAUTH_PROVIDERS`; these apps give none in code). */
const providersOf = (sectionVars: Record<string, unknown>) =>
  configuredProviders(sectionVars, { oauthProviders: typeof sectionVars.OAUTH_PROVIDERS === "string" ? sectionVars.OAUTH_PROVIDERS : "" });

/**
 * Every section of both wrangler configs, read through wrangler itself (as `wrangler deploy` and
 * `wrangler dev` read them). CI also dry-runs each deployable section (`npm run deploy:check`);
 * these tests check what a dry-run cannot: that only [env.dev] is development, and that staging
 * and production are each wired to themselves with nothing of development leaking in.
 */
const AUTH_CONFIG = "workers/auth/wrangler.jsonc";
const BACKEND_CONFIG = "wrangler.jsonc";
type Section = "top level" | "dev" | "staging" | "production";
const SECTIONS: Section[] = ["top level", "dev", "staging", "production"];
const DEPLOYED: Array<"staging" | "production"> = ["staging", "production"];

const read = (config: string, section: Section) =>
  unstable_readConfig({ config, ...(section === "top level" ? {} : { env: section }) }, { hideWarnings: true });
const auth = Object.fromEntries(SECTIONS.map((section) => [section, read(AUTH_CONFIG, section)])) as Record<
  Section,
  ReturnType<typeof read>
>;
const backend = Object.fromEntries(SECTIONS.map((section) => [section, read(BACKEND_CONFIG, section)])) as Record<
  Section,
  ReturnType<typeof read>
>;
const vars = (config: ReturnType<typeof read>) => config.vars as Record<string, string>;
const routeHost = (route: unknown) =>
  typeof route === "object" && route !== null && "pattern" in route ? String(route.pattern) : String(route);
const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;

describe("development is local only", () => {
  it.each(SECTIONS.filter((section) => section !== "dev"))("the %s of both Workers is not development", (section) => {
    for (const config of [auth[section], backend[section]]) {
      expect(vars(config).ENVIRONMENT).toMatch(/^(production|staging)$/);
    }
  });

  it("[env.dev] of both Workers is development, under the top level's names and local databases", () => {
    expect(vars(auth.dev).ENVIRONMENT).toBe("development");
    expect(vars(backend.dev).ENVIRONMENT).toBe("development");
    expect(auth.dev.name).toBe(auth["top level"].name);
    expect(backend.dev.name).toBe(backend["top level"].name);
    expect(auth.dev.d1_databases).toEqual(auth["top level"].d1_databases);
    expect(backend.dev.d1_databases).toEqual(backend["top level"].d1_databases);
    expect(backend.dev.services).toEqual(backend["top level"].services);
  });

  it("a plain `wrangler deploy` configures no sign-in provider, so never the local one", () => {
    expect(providersOf(vars(auth["top level"])).size).toBe(0);
  });

  it("only [env.dev] points at the local OIDC provider", () => {
    const dev = [...providersOf(vars(auth.dev)).values()];
    expect(dev.length).toBeGreaterThan(0);
    expect(dev.every((provider) => isLoopbackUrl(provider.issuer))).toBe(true);
  });

  it("only [env.dev] builds the page with a source map: a deployed page ships none", () => {
    expect(backend.dev.build.command).toContain("--dev");
    for (const section of SECTIONS.filter((name) => name !== "dev")) {
      expect(backend[section].build.command).toBe("node scripts/build-page.mjs");
    }
  });

  it("every section turns on Workers observability", () => {
    for (const section of SECTIONS) {
      expect(auth[section].observability?.enabled).toBe(true);
      expect(backend[section].observability?.enabled).toBe(true);
    }
  });

  it("every section uploads a minified script with its names kept and its source map beside it", () => {
    for (const section of SECTIONS) {
      for (const config of [auth[section], backend[section]]) {
        expect(config.minify).toBe(true);
        expect(config.keep_names).not.toBe(false);
        expect(config.upload_source_maps).toBe(true);
      }
    }
  });

  it("the local OIDC provider has no environments and no routes: it is never deployed", () => {
    const { rawConfig } = experimental_readRawConfig({ config: "workers/dev-oidc/wrangler.jsonc" });
    expect(rawConfig.env).toBeUndefined();
    expect(rawConfig.routes).toBeUndefined();
  });
});

describe.each(DEPLOYED)("[env.%s] of both Workers", (section) => {
  const authVars = vars(auth[section]);
  const backendVars = vars(backend[section]);

  it("has its own Worker names, databases and rate-limit namespace", () => {
    expect(auth[section].name).toBe(`tether-auth-${section}`);
    expect(backend[section].name).toBe(`tether-backend-${section}`);
    const elsewhere = SECTIONS.filter((other) => other !== section).flatMap((other) =>
      [...auth[other].d1_databases, ...backend[other].d1_databases].map((db) => db.database_id),
    );
    for (const db of [...auth[section].d1_databases, ...backend[section].d1_databases]) {
      expect(db.database_name).toMatch(new RegExp(`-${section}$`));
      expect(elsewhere).not.toContain(db.database_id);
    }
    const namespaces = (config: ReturnType<typeof read>) =>
      (config.ratelimits as Array<{ namespace_id: string }>).map((limit) => limit.namespace_id);
    for (const other of SECTIONS.filter((candidate) => candidate !== section && candidate !== "dev")) {
      expect(namespaces(auth[section])).not.toEqual(namespaces(auth[other]));
    }
  });

  it("binds each Worker to the other of the same environment, both ways", () => {
    expect(backend[section].services).toContainEqual(
      expect.objectContaining({ binding: "AUTH", service: auth[section].name, entrypoint: "AuthService" }),
    );
    expect(auth[section].services).toContainEqual(
      expect.objectContaining({ binding: "BACKEND", service: backend[section].name, entrypoint: "SessionControl" }),
    );
  });

  it(`runs as ${section}, with https issuers that agree between the Workers`, () => {
    expect(authVars.ENVIRONMENT).toBe(section);
    expect(backendVars.ENVIRONMENT).toBe(section);
    expect(authVars.AUTH_ISSUER).toMatch(/^https:\/\//);
    expect(backendVars.AUTH_ISSUER).toBe(authVars.AUTH_ISSUER);
    expect(backendVars.ACCESS_TOKEN_AUDIENCE).toBe(authVars.ACCESS_TOKEN_AUDIENCE);
    expect(backendVars.AUTH_SERVICE_ID).toBe(`tether-backend-${section}`);
  });

  it("has routes: the backend's public origin, and the auth origin that hosts the OAuth callback", () => {
    expect(backend[section].routes?.map(routeHost)).toHaveLength(1);
    expect(auth[section].routes?.map(routeHost)).toEqual([new URL(authVars.OAUTH_CALLBACK_ORIGIN ?? "").host]);
    expect(new URL(authVars.AUTH_ISSUER ?? "").host).toBe(new URL(authVars.OAUTH_CALLBACK_ORIGIN ?? "").host);
  });

  it("allows only https return origins, the backend's among them, every entry of which parses", () => {
    const entries = (authVars.ALLOWED_RETURN_ORIGINS ?? "").split(/[\s,]+/).filter(Boolean);
    const rules = parseAllowedOrigins(authVars.ALLOWED_RETURN_ORIGINS ?? "");
    expect(rules).toHaveLength(entries.length);
    expect(entries.every((entry) => entry.startsWith("https://"))).toBe(true);
    expect(rules).toContainEqual({ kind: "exact", origin: `https://${routeHost(backend[section].routes?.[0])}` });
  });

  it("configures real providers over https, never the local dev provider", () => {
    const providers = [...providersOf(authVars).values()];
    expect(providers.map((provider) => provider.id).sort()).toEqual(["github", "google"]);
    for (const provider of providers) {
      for (const url of [provider.issuer, provider.apiUrl].filter((value): value is string => value !== null)) {
        expect(new URL(url).protocol).toBe("https:");
      }
    }
  });

  it(`has npm run migrate:${section}, setup:${section} and deploy:${section}`, () => {
    for (const db of [...auth[section].d1_databases, ...backend[section].d1_databases]) {
      expect(scripts[`migrate:${section}`]).toContain(`migrations apply ${db.database_name} --remote`);
    }
    // What each does (auth first, refusing before setup) is test/deploy/setup-environment.test.ts's.
    expect(scripts[`setup:${section}`]).toBe(`node scripts/setup-environment.mjs ${section}`);
    expect(scripts[`deploy:${section}`]).toBe(`node scripts/deploy.mjs ${section}`);
    // A plain `npm run deploy` is production's.
    if (section === "production") expect(scripts.deploy).toBe(scripts[`deploy:${section}`]);
  });
});

describe("docs/deploy.md: Deploy to production", () => {
  const readme = readFileSync("docs/deploy.md", "utf8");
  const section = readme.slice(readme.indexOf("## Deploy to production"), readme.indexOf("### Deploy to staging"));
  // The one-command path and the same steps by hand: every shell block of the section.
  const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? "")
    .join("\n")
    .replace(/\\\n/g, " ");

  it("starts with setup:production, its --apply and a plain deploy, and names npm scripts that exist", () => {
    expect(commands.trimStart()).toMatch(/^npm run setup:production .*\nnpm run setup:production -- --apply .*\nnpm run deploy /);
    const used = [...commands.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => match[1] ?? "");
    expect(used).toEqual(
      expect.arrayContaining(["setup:production", "deploy", "migrate:production", "signing-key", "service-client", "deploy:production"]),
    );
    for (const script of used) expect(scripts[script], `npm run ${script}`).toEqual(expect.any(String));
  });

  it("creates the databases [env.production] binds, and only the production environment", () => {
    const created = [...commands.matchAll(/d1 create ([\w-]+)/g)].map((match) => match[1]);
    expect(created.sort()).toEqual(
      [...auth.production.d1_databases, ...backend.production.d1_databases].map((db) => db.database_name).sort(),
    );
    expect(new Set([...commands.matchAll(/--env (\w+)/g)].map((match) => match[1]))).toEqual(new Set(["production"]));
  });

  it("puts every secret the Workers need outside development", () => {
    const put = [...commands.matchAll(/secret put (\w+)/g)].map((match) => match[1]);
    expect(put).toEqual(
      expect.arrayContaining([
        "ACCESS_SIGNING_KEY",
        "SERVICE_SIGNING_KEY",
        "OAUTH_STATE_SIGNING_KEY",
        "DEVICE_SIGNING_KEY",
        "AUTH_SERVICE_SECRET",
      ]),
    );
    expect(commands).toContain(`--id ${vars(backend.production).AUTH_SERVICE_ID}`);
  });
});
