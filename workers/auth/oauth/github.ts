/**
 * @module
 * GitHub is OAuth 2.0, not OpenID Connect: no ID token, so who signed in comes from its API.
 * The primary address counts only when GitHub marks it verified (`GET /user/emails`).
 */
import * as oauth from "oauth4webapi";
import * as z from "zod";
import { ApiError } from "../../shared/errors.js";
import type { OAuthProvider } from "./providers.js";
import type { ProviderIdentity } from "./identities.js";

const GitHubUser = z.object({ id: z.number().int(), login: z.string(), name: z.string().nullable().optional() });
const GitHubEmails = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

async function apiGet<T>(
  schema: z.ZodType<T>,
  url: string,
  accessToken: string,
  options: Parameters<typeof oauth.protectedResourceRequest>[5],
): Promise<T> {
  const headers = new Headers({ Accept: "application/vnd.github+json", "User-Agent": "tether-auth" });
  const response = await oauth.protectedResourceRequest(accessToken, "GET", new URL(url), headers, null, options);
  if (!response.ok)
    throw new ApiError(response.status >= 500 ? "provider_unavailable" : "oauth_failed", "GitHub refused the profile request.");
  const parsed = schema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new ApiError("oauth_failed", "GitHub answered the profile request with something unexpected.");
  return parsed.data;
}

export async function githubIdentity(
  provider: OAuthProvider,
  accessToken: string,
  options: Parameters<typeof oauth.protectedResourceRequest>[5],
): Promise<ProviderIdentity> {
  const api = provider.apiUrl ?? "https://api.github.com";
  const [user, emails] = await Promise.all([
    apiGet(GitHubUser, `${api}/user`, accessToken, options),
    apiGet(GitHubEmails, `${api}/user/emails`, accessToken, options),
  ]);
  const primary = emails.find((entry) => entry.primary);
  return {
    issuer: provider.issuer,
    subject: String(user.id),
    email: primary?.email ?? null,
    emailVerified: primary?.verified === true,
    name: user.name ?? user.login,
  };
}
