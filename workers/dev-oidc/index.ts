/**
 * @module
 * A local OpenID Connect provider for development and tests (see wrangler.jsonc): discovery,
 * authorize (a form where you say who you are), token, JWKS and userinfo, plus GitHub-style
 * OAuth endpoints under /github so the GitHub preset runs offline too. PKCE S256 is required.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import { redirectUriAllowed, registeredClients, type RegisteredClient } from "./clients.js";
import { consentPage } from "./consent-page.js";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  issueAccessToken,
  issueCode,
  issueIdToken,
  jwks,
  pkceMatches,
  redeemCode,
  subjectFor,
  userOfAccessToken,
  type DevUser,
  type Flavor,
} from "./grants.js";

interface DevOidcBindings {
  ISSUER: string;
  CLIENTS: string;
}
type DevOidcContext = Context<{ Bindings: DevOidcBindings }>;

const app = new Hono<{ Bindings: DevOidcBindings }>();

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

// It signs in whoever fills in its form: should it ever be deployed by mistake, it serves nothing —
// neither with a public issuer nor to a request addressed to a public host name.
app.use("*", async (c, next) => {
  if (!LOOPBACK_HOSTS.has(new URL(c.env.ISSUER).hostname))
    return c.text("The dev OIDC provider runs only on this machine (a loopback ISSUER).", 503);
  if (!LOOPBACK_HOSTS.has(new URL(c.req.url).hostname))
    return c.text("The dev OIDC provider answers only requests to a loopback host.", 403);
  await next();
});

const GITHUB_AUTHORIZE_PATH = "/github/login/oauth/authorize";

app.get("/.well-known/openid-configuration", (c) => {
  const issuer = c.env.ISSUER;
  return c.json({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["ES256"],
    scopes_supported: ["openid", "email", "profile"],
    claims_supported: ["sub", "email", "email_verified", "name"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
    authorization_response_iss_parameter_supported: true,
  });
});

app.get("/jwks", async (c) => c.json(await jwks()));

const AuthorizationRequest = z.object({
  response_type: z.string().max(64).default(""),
  client_id: z.string().max(128).default(""),
  redirect_uri: z.string().max(2048).default(""),
  scope: z.string().max(512).default(""),
  state: z.string().max(2048).optional(),
  nonce: z.string().max(512).optional(),
  code_challenge: z.string().max(128).optional(),
  code_challenge_method: z.string().max(16).optional(),
});
type AuthorizationRequest = z.infer<typeof AuthorizationRequest>;

const SignInForm = z.object({
  decision: z.enum(["approve", "deny"]),
  email: z.email().max(254).optional(),
  name: z.string().max(100).optional(),
  email_verified: z.literal("true").optional(),
});

function findClient(env: DevOidcBindings, clientId: string): RegisteredClient | undefined {
  return registeredClients(env.CLIENTS).find((client) => client.client_id === clientId);
}

/** Sends the browser back to the client with `params` (code or error), the state, and our issuer. */
function backToClient(c: DevOidcContext, flavor: Flavor, request: AuthorizationRequest, params: Record<string, string>) {
  const target = new URL(request.redirect_uri);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  if (request.state !== undefined) target.searchParams.set("state", request.state);
  if (flavor === "oidc") target.searchParams.set("iss", c.env.ISSUER);
  return c.redirect(target.toString(), 302);
}

function authorize(flavor: Flavor) {
  return async (c: DevOidcContext) => {
    const fields = c.req.method === "POST" ? await c.req.parseBody() : c.req.query();
    const parsed = AuthorizationRequest.safeParse(fields);
    const request = parsed.success ? parsed.data : null;
    const client = request ? findClient(c.env, request.client_id) : undefined;
    // Never redirect to a URI that is not registered for the client: show the error here instead.
    if (!request || !client || !redirectUriAllowed(client, request.redirect_uri)) {
      return c.text("invalid_request: unknown client_id or unregistered redirect_uri", 400);
    }
    const refuse = (error: string, description: string) => backToClient(c, flavor, request, { error, error_description: description });
    if (request.response_type !== "code") return refuse("unsupported_response_type", "Only the code flow is supported.");
    if (!request.code_challenge || request.code_challenge_method !== "S256")
      return refuse("invalid_request", "PKCE with S256 is required.");
    if (flavor === "oidc" && !request.scope.split(" ").includes("openid")) return refuse("invalid_scope", "The openid scope is required.");

    if (c.req.method === "GET") {
      const action = flavor === "oidc" ? "/authorize" : GITHUB_AUTHORIZE_PATH;
      const carried = Object.fromEntries(Object.entries(request).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return c.html(
        consentPage({
          action,
          clientId: client.client_id,
          request: carried,
          providerName: flavor === "oidc" ? "Dev OIDC provider" : "Dev GitHub",
        }),
      );
    }
    // An empty input is an absent one (Deny skips the form's validation).
    const form = SignInForm.safeParse(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== "")));
    if (!form.success) return c.text(`invalid sign-in form: ${form.error.issues.map((issue) => issue.path.join(".")).join(", ")}`, 400);
    if (form.data.decision === "deny") return refuse("access_denied", "The user denied the request.");
    if (!form.data.email) return c.text("invalid sign-in form: email is required", 400);
    const email = form.data.email;
    const user: DevUser = {
      sub: await subjectFor(email),
      email,
      email_verified: form.data.email_verified === "true",
      name: form.data.name?.trim() || (email.split("@")[0] ?? email),
    };
    const code = await issueCode(
      {
        flavor,
        client_id: client.client_id,
        redirect_uri: request.redirect_uri,
        scope: request.scope,
        code_challenge: request.code_challenge,
        nonce: request.nonce ?? null,
        user,
      },
      c.env.ISSUER,
    );
    return backToClient(c, flavor, request, { code });
  };
}

app.get("/authorize", authorize("oidc"));
app.post("/authorize", authorize("oidc"));
app.get(GITHUB_AUTHORIZE_PATH, authorize("github"));
app.post(GITHUB_AUTHORIZE_PATH, authorize("github"));

/** Client authentication at the token endpoint: basic, post, or none for a public client. */
function authenticateClient(c: DevOidcContext, form: Record<string, unknown>): RegisteredClient | null {
  let clientId = typeof form.client_id === "string" ? form.client_id : null;
  let secret = typeof form.client_secret === "string" ? form.client_secret : null;
  const basic = c.req.header("Authorization")?.match(/^Basic ([A-Za-z0-9+/=]+)$/)?.[1];
  if (basic) {
    const [id, password] = atob(basic)
      .split(":")
      .map((part) => decodeURIComponent(part));
    clientId = id ?? null;
    secret = password ?? null;
  }
  const client = clientId === null ? undefined : findClient(c.env, clientId);
  if (!client) return null;
  if (client.client_secret === undefined) return secret === null ? client : null;
  return secret === client.client_secret ? client : null;
}

function tokenEndpoint(flavor: Flavor) {
  return async (c: DevOidcContext) => {
    c.header("Cache-Control", "no-store");
    // GitHub answers token errors with 200 and an error body; OAuth 2.0 says 400. Each as itself.
    const fail = (error: string, description: string, status: 400 | 401 = 400) =>
      c.json({ error, error_description: description }, flavor === "github" ? 200 : status);
    const form = await c.req.parseBody();
    if (form.grant_type !== "authorization_code") return fail("unsupported_grant_type", "Only authorization_code is supported.");
    const client = authenticateClient(c, form);
    if (!client) return fail("invalid_client", "Client authentication failed.", 401);
    const code = typeof form.code === "string" ? form.code : "";
    const grant = await redeemCode(code, c.env.ISSUER);
    if (!grant || grant.flavor !== flavor || grant.client_id !== client.client_id) {
      return fail(flavor === "github" ? "bad_verification_code" : "invalid_grant", "The code is invalid, expired or already used.");
    }
    if (form.redirect_uri !== grant.redirect_uri) return fail("invalid_grant", "redirect_uri does not match the authorization request.");
    const verifier = typeof form.code_verifier === "string" ? form.code_verifier : "";
    if (!(await pkceMatches(verifier, grant.code_challenge))) return fail("invalid_grant", "PKCE verification failed.");

    const accessToken = await issueAccessToken(grant.user, grant.scope, c.env.ISSUER);
    if (flavor === "github") return c.json({ access_token: accessToken, token_type: "bearer", scope: grant.scope });
    return c.json({
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      scope: grant.scope,
      id_token: await issueIdToken(grant, c.env.ISSUER),
    });
  };
}

app.post("/token", tokenEndpoint("oidc"));
app.post("/github/login/oauth/access_token", tokenEndpoint("github"));

async function bearerUser(c: DevOidcContext): Promise<DevUser | null> {
  const token = c.req.header("Authorization")?.match(/^(?:Bearer|token) (\S+)$/i)?.[1];
  return token ? userOfAccessToken(token, c.env.ISSUER) : null;
}

const unauthorized = (c: DevOidcContext) => {
  c.header("WWW-Authenticate", 'Bearer error="invalid_token"');
  return c.json({ error: "invalid_token" }, 401);
};

app.get("/userinfo", async (c) => {
  const user = await bearerUser(c);
  return user ? c.json(user) : unauthorized(c);
});

/** GitHub users have a numeric id; ours is derived from the subject, so it is stable too. */
const githubId = (user: DevUser) => Number.parseInt(user.sub.slice(4, 12), 16);

app.get("/github/api/user", async (c) => {
  const user = await bearerUser(c);
  if (!user) return unauthorized(c);
  return c.json({ id: githubId(user), login: user.email.split("@")[0], name: user.name, email: user.email_verified ? user.email : null });
});

app.get("/github/api/user/emails", async (c) => {
  const user = await bearerUser(c);
  if (!user) return unauthorized(c);
  return c.json([{ email: user.email, primary: true, verified: user.email_verified, visibility: "private" }]);
});

export default app;
