/**
 * @module
 * Talks to sign-in providers through oauth4webapi: discovery, the authorization URL (code flow,
 * PKCE S256, state, nonce), the code exchange and the ID-token checks. Nothing here parses a
 * token response or an ID token by hand; this file only chooses the library's calls and maps its
 * failures to our error codes.
 */
import * as oauth from "oauth4webapi";
import { ApiError } from "../../shared/errors.js";
import { githubIdentity } from "./github.js";
import type { ProviderIdentity } from "./identities.js";
import type { OAuthProvider } from "./providers.js";

export interface ProviderCallOptions {
  /** Each HTTP call to the provider is abandoned after this long: sign-in never hangs. */
  timeoutMs: number;
  /** Plain http is allowed only for a loopback provider in development (the local provider). */
  allowInsecure: boolean;
}

export interface AuthorizationRequest {
  url: URL;
  codeVerifier: string;
  nonce: string | null;
}

export interface ExpectedCallback {
  state: string;
  codeVerifier: string;
  nonce: string | null;
  redirectUri: string;
}

const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const discovered = new Map<string, { server: oauth.AuthorizationServer; fetchedAtMs: number }>();
/** Provider signing keys per issuer, filled and refreshed by oauth4webapi itself. */
const providerKeys = new Map<string, oauth.JWKSCacheInput>();

function http(options: ProviderCallOptions) {
  return {
    signal: () => AbortSignal.timeout(options.timeoutMs),
    [oauth.allowInsecureRequests]: options.allowInsecure,
    headers: { "User-Agent": "tether-auth" },
  };
}

async function authorizationServer(provider: OAuthProvider, options: ProviderCallOptions): Promise<oauth.AuthorizationServer> {
  if (provider.protocol === "github") {
    // GitHub is OAuth 2.0 without discovery: its endpoints are fixed under the web origin.
    return {
      issuer: provider.issuer,
      authorization_endpoint: `${provider.issuer}/login/oauth/authorize`,
      token_endpoint: `${provider.issuer}/login/oauth/access_token`,
    };
  }
  const cached = discovered.get(provider.issuer);
  if (cached && Date.now() - cached.fetchedAtMs < DISCOVERY_TTL_MS) return cached.server;
  const issuer = new URL(provider.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...http(options) });
  const server = await oauth.processDiscoveryResponse(issuer, response);
  discovered.set(provider.issuer, { server, fetchedAtMs: Date.now() });
  return server;
}

const unavailable = () =>
  new ApiError("provider_unavailable", "The provider could not be reached; try again shortly.", { "Retry-After": "30" });

/** Maps a failure of a provider call to our codes, by oauth4webapi's error classes and codes. */
export function providerFailure(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof oauth.AuthorizationResponseError) {
    return new ApiError("oauth_denied", `The provider refused the sign-in (${safeCode(error.error)}).`);
  }
  if (error instanceof oauth.ResponseBodyError) {
    if (error.status >= 500) return unavailable();
    return new ApiError("oauth_failed", `The provider refused the code exchange (${safeCode(error.error)}).`);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new ApiError("oauth_failed", "The provider refused our client credentials.");
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = error.cause instanceof Response ? error.cause.status : 0;
    if (status >= 500) return unavailable();
    return new ApiError("oauth_failed", "The provider's answer did not pass verification.");
  }
  // Everything else is the transport: connection refused, DNS, a dropped connection, our timeout.
  // (workerd reports these as plain Errors, not only TypeErrors, so no narrower test is safe.)
  return unavailable();
}

/** Provider error codes are echoed to the app; only a plain token, never free text. */
const safeCode = (code: string) => (/^[a-z0-9_.-]{1,64}$/i.test(code) ? code : "error");

export async function authorizationRequest(
  provider: OAuthProvider,
  redirectUri: string,
  state: string,
  options: ProviderCallOptions,
): Promise<AuthorizationRequest> {
  try {
    const server = await authorizationServer(provider, options);
    if (!server.authorization_endpoint) throw new ApiError("provider_unavailable", "The provider has no authorization endpoint.");
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const nonce = provider.protocol === "oidc" ? oauth.generateRandomNonce() : null;
    const url = new URL(server.authorization_endpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", provider.clientId);
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("scope", provider.scopes.join(" "));
    url.searchParams.set("state", state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
    if (nonce !== null) url.searchParams.set("nonce", nonce);
    return { url, codeVerifier, nonce };
  } catch (error) {
    throw providerFailure(error);
  }
}

function clientAuthentication(provider: OAuthProvider, server: oauth.AuthorizationServer): oauth.ClientAuth {
  if (provider.clientSecret === null) return oauth.None();
  const methods = server.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  return provider.protocol === "oidc" && methods.includes("client_secret_basic")
    ? oauth.ClientSecretBasic(provider.clientSecret)
    : oauth.ClientSecretPost(provider.clientSecret);
}

/**
 * Checks the callback (state, `iss`, provider errors), exchanges the code with the PKCE verifier,
 * and returns who signed in. For OIDC the ID token's `iss`, `aud`, `exp`, `iat` and `nonce` are
 * checked by the library, and its signature against the provider's JWKS as well: we do not rest
 * on TLS alone, because the local provider has none.
 */
export async function identityFromCallback(
  provider: OAuthProvider,
  callbackUrl: URL,
  expected: ExpectedCallback,
  options: ProviderCallOptions,
): Promise<ProviderIdentity> {
  try {
    const server = await authorizationServer(provider, options);
    const client: oauth.Client = { client_id: provider.clientId };
    const params = oauth.validateAuthResponse(server, client, callbackUrl, expected.state);
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      clientAuthentication(provider, server),
      params,
      expected.redirectUri,
      expected.codeVerifier,
      http(options),
    );
    if (provider.protocol === "github") {
      const result = await oauth.processAuthorizationCodeResponse(server, client, response);
      return await githubIdentity(provider, result.access_token, http(options));
    }
    const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
      expectedNonce: expected.nonce ?? oauth.expectNoNonce,
      requireIdToken: true,
    });
    let keys = providerKeys.get(provider.issuer);
    if (!keys) providerKeys.set(provider.issuer, (keys = {}));
    await oauth.validateApplicationLevelSignature(server, response, { ...http(options), [oauth.jwksCache]: keys });
    const claims = oauth.getValidatedIdTokenClaims(result);
    if (!claims) throw new ApiError("oauth_failed", "The provider sent no ID token.");
    let profile: Record<string, unknown> = claims;
    if (typeof claims.email !== "string" && server.userinfo_endpoint) {
      const userInfo = await oauth.userInfoRequest(server, client, result.access_token, http(options));
      profile = { ...(await oauth.processUserInfoResponse(server, client, claims.sub, userInfo)), ...claims };
    }
    return {
      issuer: server.issuer,
      subject: claims.sub,
      email: typeof profile.email === "string" ? profile.email : null,
      // Some issuers send the string "true"; anything else is not a verified address.
      emailVerified: profile.email_verified === true || profile.email_verified === "true",
      name: typeof profile.name === "string" ? profile.name : null,
    };
  } catch (error) {
    throw providerFailure(error);
  }
}
