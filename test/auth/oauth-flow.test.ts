import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import authWorker from "../../workers/demo/auth.js";
import { countRows } from "../support/auth-db.js";
import {
  errorOf,
  getWithBearer,
  ORIGIN,
  postJson,
  registerUser,
  registerVerifiedUser,
  STRONG_PASSWORD,
  uniqueEmail,
  type TokenResponse,
} from "../support/http.js";
import { exchangeHandoff, handoffCodeOf, location, PROVIDER_ORIGIN, returnedTo, SignInBrowser } from "../support/oauth-browser.js";

const db = env.AUTH_DB;
const browser = () => new SignInBrowser(exports.default, env.DEV_OIDC);

async function tokensFrom(response: Response, headers: Record<string, string> = {}): Promise<TokenResponse> {
  const exchanged = await exchangeHandoff(exports.default, handoffCodeOf(response), headers);
  expect(exchanged.status).toBe(200);
  expect(exchanged.headers.get("Cache-Control")).toBe("no-store");
  return exchanged.json();
}

async function identitiesOf(userId: string) {
  const rows = await db
    .prepare("SELECT issuer, subject, provider, email, email_verified FROM user_identities WHERE user_id = ?")
    .bind(userId)
    .all<{ issuer: string; subject: string; provider: string; email: string; email_verified: number }>();
  return rows.results;
}

describe("sign-in through the local OIDC provider", () => {
  it("sends the browser to the provider with PKCE S256, state, nonce and a binding cookie", async () => {
    const signIn = browser();
    const response = await signIn.visitAuth(await signIn.startUrl());
    expect(response.status).toBe(302);
    const authorize = new URL(location(response));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${PROVIDER_ORIGIN}/authorize`);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({
      response_type: "code",
      client_id: "tether-dev",
      redirect_uri: `${ORIGIN}/auth/oauth/dev/callback`,
      scope: "openid email profile",
      code_challenge_method: "S256",
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.any(String),
    });
    // The state is a short-lived signed record of where the sign-in began, and no secret.
    const state = decodeJwt(params.state ?? "");
    expect(state).toMatchObject({ provider: "dev", return_origin: ORIGIN, aud: "tether-auth:oauth-state" });
    expect((state.exp ?? 0) - (state.iat ?? 0)).toBe(600);
    expect(JSON.stringify(state)).not.toContain(params.nonce);
    expect(response.headers.get("Set-Cookie")).toMatch(
      /^tether_oauth_binding=[\w-]{43}; Max-Age=600; Path=\/auth\/oauth; HttpOnly; SameSite=Lax$/,
    );
  });

  it("runs start → authorize → callback → handoff → tokens, creating the user and linking the identity", async () => {
    const email = uniqueEmail("oidc");
    const callback = await browser().signIn({ email, name: "Ida Oidc" });
    const { url, fragment } = returnedTo(callback);
    expect(`${url.origin}${url.pathname}`).toBe(`${ORIGIN}/app`);
    expect([...fragment.keys()]).toEqual(["handoff"]);
    // Only the one-minute handoff code travels in the URL, never a token.
    expect(location(callback)).not.toMatch(/eyJ|access_token|refresh_token/);
    expect(callback.headers.get("Referrer-Policy")).toBe("no-referrer");

    const tokens = await tokensFrom(callback);
    expect(tokens).toMatchObject({ token_type: "Bearer", user: { email, name: "Ida Oidc" } });
    expect((await getWithBearer(exports.default, "/auth/me", tokens.access_token)).status).toBe(200);
    const user = await db
      .prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(tokens.user.id)
      .first<{ password_hash: string | null }>();
    expect(user?.password_hash).toBeNull();
    expect(await identitiesOf(tokens.user.id)).toEqual([
      { issuer: PROVIDER_ORIGIN, subject: expect.stringMatching(/^dev-/), provider: "dev", email, email_verified: 1 },
    ]);
  });

  it("signs the same person into the same user next time, without a second user or identity", async () => {
    const email = uniqueEmail("again");
    const first = await tokensFrom(await browser().signIn({ email }));
    const second = await tokensFrom(await browser().signIn({ email }));
    expect(second.user.id).toBe(first.user.id);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await countRows(db, "users", "email = ?", email)).toBe(1);
    expect(await identitiesOf(first.user.id)).toHaveLength(1);
  });

  it("links a verified email to the existing password account that proved it too, which keeps its password", async () => {
    const email = uniqueEmail("linked");
    const registered = await registerVerifiedUser(exports.default, { email });
    const viaProvider = await tokensFrom(await browser().signIn({ email: email.toUpperCase(), emailVerified: true }));
    expect(viaProvider.user.id).toBe(registered.user.id);
    expect(await identitiesOf(registered.user.id)).toHaveLength(1);
    expect((await postJson(exports.default, "/auth/login", { email, password: STRONG_PASSWORD })).status).toBe(200);
    expect((await getWithBearer(exports.default, "/auth/me", registered.access_token)).status).toBe(200);
  });

  it("stops account pre-hijacking: the owner's provider sign-in claims an account registered with their address but never proved, and the registrant keeps no access", async () => {
    const victim = uniqueEmail("victim");
    // The attacker registers the victim's address with a password of their own, and waits.
    const attacker = await registerUser(exports.default, { email: victim, password: "attacker's own passphrase" });
    const owner = await tokensFrom(await browser().signIn({ email: victim, emailVerified: true }));
    // The owner has the account (and its address is now proved)…
    expect(owner.user).toMatchObject({ id: attacker.user.id, email_verified: true });
    expect((await getWithBearer(exports.default, "/auth/me", owner.access_token)).status).toBe(200);
    // …and the attacker nothing: not the password, not the session they held, not its refresh token.
    const login = await postJson(exports.default, "/auth/login", { email: victim, password: "attacker's own passphrase" });
    expect((await errorOf(login)).code).toBe("invalid_credentials");
    expect((await errorOf(await getWithBearer(exports.default, "/auth/me", attacker.access_token))).code).toBe("token_revoked");
    expect((await postJson(exports.default, "/auth/refresh", { refresh_token: attacker.refresh_token })).status).toBe(401);
    const session = await db
      .prepare("SELECT revoked_reason FROM sessions WHERE user_id = ? ORDER BY created_at LIMIT 1")
      .bind(attacker.user.id)
      .first<{ revoked_reason: string }>();
    expect(session?.revoked_reason).toBe("account_claimed");
  });

  it("refuses a provider sign-in whose email is not verified, and changes nothing of the account with that address", async () => {
    const email = uniqueEmail("unproved");
    const registered = await registerUser(exports.default, { email });
    const refused = await browser().signIn({ email, emailVerified: false });
    expect(returnedTo(refused).fragment.get("error")).toBe("email_not_verified");
    expect((await postJson(exports.default, "/auth/login", { email, password: STRONG_PASSWORD })).status).toBe(200);
    expect((await getWithBearer(exports.default, "/auth/me", registered.access_token)).status).toBe(200);
  });

  it("authenticates a confidential client with its secret at the token endpoint", async () => {
    const tokens = await tokensFrom(await browser().signIn({ email: uniqueEmail("confidential") }, { provider: "confidential" }));
    expect(tokens.user.id).toEqual(expect.any(String));
  });
});

describe("the GitHub preset (against the local provider's GitHub-style endpoints)", () => {
  it("signs in with PKCE and no nonce, and takes the verified primary email from the API", async () => {
    const email = uniqueEmail("octo");
    const signIn = browser();
    const authorize = await signIn.start("dev-github");
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${PROVIDER_ORIGIN}/github/login/oauth/authorize`);
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.has("nonce")).toBe(false);
    const callback = await signIn.visitAuth(await signIn.decide(authorize, "approve", { email, name: "Octo Cat" }));
    const tokens = await tokensFrom(callback);
    expect(tokens.user).toMatchObject({ email, name: "Octo Cat" });
    expect(await identitiesOf(tokens.user.id)).toEqual([
      { issuer: `${PROVIDER_ORIGIN}/github`, subject: expect.stringMatching(/^\d+$/), provider: "dev-github", email, email_verified: 1 },
    ]);
  });

  it("joins the account an OIDC sign-in created, by the verified email", async () => {
    const email = uniqueEmail("both");
    const viaOidc = await tokensFrom(await browser().signIn({ email }));
    const viaGithub = await tokensFrom(await browser().signIn({ email }, { provider: "dev-github" }));
    expect(viaGithub.user.id).toBe(viaOidc.user.id);
    expect((await identitiesOf(viaOidc.user.id)).map((identity) => identity.provider).sort()).toEqual(["dev", "dev-github"]);
  });
});

describe("the OAuth proxy for previews", () => {
  it("moves a sign-in started on another origin to the callback origin, then returns to the preview", async () => {
    const preview = "https://pr-7.preview.example";
    const signIn = browser();
    const startUrl = new URL(await signIn.startUrl("dev", `${preview}/chat?tab=2`));
    const elsewhere = await signIn.visitAuth(`http://preview.tether.test${startUrl.pathname}${startUrl.search}`);
    expect(elsewhere.status).toBe(302);
    expect(location(elsewhere)).toBe(startUrl.toString());
    expect(elsewhere.headers.get("Set-Cookie")).toBeNull();

    const callback = await signIn.signIn({ email: uniqueEmail("preview") }, { returnTo: `${preview}/chat?tab=2` });
    const { url } = returnedTo(callback);
    expect(`${url.origin}${url.pathname}${url.search}`).toBe(`${preview}/chat?tab=2`);
    // The preview swaps the code from its own origin, cross-origin, and may read the answer.
    const exchanged = await exchangeHandoff(exports.default, handoffCodeOf(callback), { Origin: preview });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get("Access-Control-Allow-Origin")).toBe(preview);
  });

  it("answers CORS preflights for allowed origins only", async () => {
    const preflight = (origin: string) =>
      exports.default.fetch(`${ORIGIN}/auth/oauth/handoff`, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
      });
    const allowed = await preflight("https://pr-12.preview.example");
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://pr-12.preview.example");
    expect(allowed.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    for (const origin of ["https://evil.example", "https://preview.example.evil.example", "null"]) {
      expect((await preflight(origin)).headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });
});

describe("GET /auth/oauth/providers", () => {
  it("lists the configured providers with their start routes, no client secrets", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/auth/oauth/providers`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { providers: Array<{ id: string; name: string; start: string }> };
    expect(body.providers).toContainEqual({ id: "dev", name: "dev provider", start: "/auth/oauth/dev/start" });
    expect(body.providers).toContainEqual({ id: "dev-github", name: "GitHub", start: "/auth/oauth/dev-github/start" });
    expect(JSON.stringify(body)).not.toContain("confidential-test-secret");
  });

  it("answers an unknown provider with 404 unknown_provider", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/auth/oauth/nope/start`);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("unknown_provider");
  });
});

describe("sign-in records", () => {
  it("are purged by the cron trigger a day after they expire, and not before", async () => {
    const signIn = browser();
    const [old, recent] = [await signIn.start(), await signIn.start()];
    const idOf = (authorize: URL) => String(decodeJwt(authorize.searchParams.get("state") ?? "").jti);
    await db
      .prepare("UPDATE oauth_logins SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 25 * 3600 * 1000, idOf(old))
      .run();
    await db
      .prepare("UPDATE oauth_logins SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 3600 * 1000, idOf(recent))
      .run();
    const ctx = createExecutionContext();
    await authWorker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await countRows(db, "oauth_logins", "id = ?", idOf(old))).toBe(0);
    expect(await countRows(db, "oauth_logins", "id = ?", idOf(recent))).toBe(1);
  });
});
