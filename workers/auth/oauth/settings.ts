/**
 * @module
 * The OAuth settings that come from vars: return origins, the callback origin, provider calls.
 */
import { isLoopbackUrl } from "../../shared/loopback.js";
import type { AuthBindings, AuthConfig } from "../config.js";
import type { ProviderCallOptions } from "./provider-client.js";
import type { OAuthProvider } from "./providers.js";
import { parseAllowedOrigins, type OriginRule } from "./return-origins.js";

let rules: { raw: string; parsed: OriginRule[] } | null = null;

export function allowedReturnOrigins(env: Pick<AuthBindings, "ALLOWED_RETURN_ORIGINS">): OriginRule[] {
  const raw = env.ALLOWED_RETURN_ORIGINS ?? "";
  if (rules?.raw !== raw) rules = { raw, parsed: parseAllowedOrigins(raw) };
  return rules.parsed;
}

/**
 * The one origin whose callback URLs are registered with the providers. Staging sets
 * `OAUTH_CALLBACK_ORIGIN` (the OAuth proxy: previews start their sign-ins there); otherwise each
 * sign-in calls back to the origin it started on.
 */
export function callbackOrigin(env: Pick<AuthBindings, "OAUTH_CALLBACK_ORIGIN">, requestUrl: URL): string {
  const configured = env.OAUTH_CALLBACK_ORIGIN?.trim();
  return configured ? new URL(configured).origin : requestUrl.origin;
}

export function providerCallOptions(config: AuthConfig, provider: OAuthProvider): ProviderCallOptions {
  return {
    timeoutMs: config.oauthProviderTimeoutMs,
    // Real providers are https; plain http only for the local provider, and only in development.
    allowInsecure: config.isDevelopment && isLoopbackUrl(provider.issuer) && (provider.apiUrl === null || isLoopbackUrl(provider.apiUrl)),
  };
}
