/**
 * @module
 * Sign-in providers, from the `OAUTH_PROVIDERS` var: a JSON object of provider id → settings.
 *
 *   { "google": { "type": "google", "client_id": "…apps.googleusercontent.com" },
 *     "github": { "type": "github", "client_id": "Iv1.…" },
 *     "okta":   { "type": "oidc", "issuer": "https://example.okta.com", "client_id": "…" } }
 *
 * `google` and `github` are presets; `oidc` is any OpenID Connect issuer, found by discovery.
 * Client secrets are secrets, never vars: `OAUTH_CLIENT_SECRET_<ID>` (upper case, `-` → `_`).
 * Without one the client is public and relies on PKCE alone.
 */
import * as z from "zod";
import { ApiError } from "../../shared/errors.js";

export interface OAuthProvider {
  id: string;
  /** Shown on buttons. */
  name: string;
  /** `oidc`: discovery, ID token, nonce. `github`: plain OAuth 2.0 and the GitHub API. */
  protocol: "oidc" | "github";
  /** The OIDC issuer, or GitHub's web origin; with the subject it names a person. */
  issuer: string;
  /** GitHub's API base URL (GitHub Enterprise Server has its own). */
  apiUrl: string | null;
  clientId: string;
  clientSecret: string | null;
  scopes: string[];
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const common = {
  client_id: z.string().min(1).max(256),
  name: z.string().min(1).max(64).optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
    .max(20)
    .optional(),
};
const ProviderSettings = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("oidc"), issuer: z.url({ protocol: /^https?$/ }), ...common }),
  z.strictObject({ type: z.literal("google"), ...common }),
  z.strictObject({
    type: z.literal("github"),
    web_url: z.url({ protocol: /^https?$/ }).default("https://github.com"),
    api_url: z.url({ protocol: /^https?$/ }).default("https://api.github.com"),
    ...common,
  }),
]);
const ProvidersSettings = z.record(z.string().regex(PROVIDER_ID), ProviderSettings);
type ProviderSettings = z.infer<typeof ProviderSettings>;

/** A provider as `OAUTH_PROVIDERS` or `tetherAuth({ providers })` gives it. */
export type ProviderSettingsInput = z.input<typeof ProviderSettings>;

/** The path of the first problem in an app's providers, or null when they are valid (checked at start-up). */
export function providersProblem(providers: unknown): { path: string; message: string } | null {
  const result = ProvidersSettings.safeParse(providers);
  if (result.success) return null;
  const issue = result.error.issues[0];
  return { path: issue?.path.join(".") ?? "", message: issue?.message ?? "is not valid" };
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

function resolve(id: string, settings: ProviderSettings, clientSecret: string | null): OAuthProvider {
  const base = { id, clientId: settings.client_id, clientSecret };
  switch (settings.type) {
    case "google":
      return {
        ...base,
        name: settings.name ?? "Google",
        protocol: "oidc",
        issuer: "https://accounts.google.com",
        apiUrl: null,
        scopes: settings.scopes ?? ["openid", "email", "profile"],
      };
    case "github":
      return {
        ...base,
        name: settings.name ?? "GitHub",
        protocol: "github",
        issuer: trimSlash(settings.web_url),
        apiUrl: trimSlash(settings.api_url),
        scopes: settings.scopes ?? ["read:user", "user:email"],
      };
    case "oidc":
      return {
        ...base,
        name: settings.name ?? id,
        protocol: "oidc",
        issuer: settings.issuer,
        apiUrl: null,
        scopes: settings.scopes ?? ["openid", "email", "profile"],
      };
  }
}

/** Where the providers' JSON comes from: `AuthConfig.oauthProviders` (the var, else the app's options). */
export interface ProvidersConfig {
  oauthProviders: string;
}

export function clientSecretName(providerId: string): string {
  return `OAUTH_CLIENT_SECRET_${providerId.toUpperCase().replaceAll("-", "_")}`;
}

let parsed: { raw: string; providers: Map<string, OAuthProvider> } | null = null;

/**
 * The configured providers (`config.oauthProviders`: the `OAUTH_PROVIDERS` var, else the app's
 * `providers`), parsed once per isolate; client secrets from `env`. A malformed `OAUTH_PROVIDERS`
 * is an operator's mistake: it is logged (by path, never by value) and sign-in answers 503 until fixed.
 */
export function configuredProviders(env: object, config: ProvidersConfig): Map<string, OAuthProvider> {
  const raw = config.oauthProviders;
  if (parsed?.raw === raw) return parsed.providers;
  let json: unknown;
  try {
    json = JSON.parse(raw.trim() === "" ? "{}" : raw);
  } catch {
    console.error("OAUTH_PROVIDERS is not valid JSON");
    throw new ApiError("provider_unavailable", "Sign-in providers are not configured correctly.");
  }
  const result = ProvidersSettings.safeParse(json);
  if (!result.success) {
    console.error("OAUTH_PROVIDERS is invalid at", result.error.issues.map((issue) => issue.path.join(".")).join(", "));
    throw new ApiError("provider_unavailable", "Sign-in providers are not configured correctly.");
  }
  const secrets = env as Record<string, unknown>;
  const providers = new Map<string, OAuthProvider>();
  for (const [id, settings] of Object.entries(result.data)) {
    const secret = secrets[clientSecretName(id)];
    providers.set(id, resolve(id, settings, typeof secret === "string" && secret !== "" ? secret : null));
  }
  parsed = { raw, providers };
  return providers;
}

export function findProvider(env: object, config: ProvidersConfig, id: string): OAuthProvider {
  const provider = configuredProviders(env, config).get(id);
  if (!provider) throw new ApiError("unknown_provider", "No sign-in provider of that name is configured.");
  return provider;
}
