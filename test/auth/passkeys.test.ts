import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { errorOf, getWithBearer, postJson, registerUser, type TokenResponse } from "../support/http.js";
import { addPasskey, loginOptions, registrationOptions, signInWithPasskey } from "./support/passkeys.js";
import { turnOnTotp, withBearer } from "./support/second-factor.js";
import { RP_ID, SoftwareAuthenticator } from "./support/software-authenticator.js";

/** Passkeys: registration for a signed-in user, discoverable sign-in, list, rename, delete. */
const db = env.AUTH_DB;

async function signedInAgo(body: TokenResponse, seconds: number) {
  await db
    .prepare("UPDATE sessions SET auth_time = ? WHERE id = ?")
    .bind(Date.now() - seconds * 1000, String(decodeJwt(body.access_token).sid))
    .run();
}

async function listOf(user: TokenResponse) {
  const response = await getWithBearer(exports.default, "/auth/passkeys", user.access_token);
  return ((await response.json()) as { passkeys: Array<{ id: string; name: string; created_at: string; last_used_at: string | null }> })
    .passkeys;
}

describe("registering a passkey", () => {
  it("gives options for a discoverable, user-verified credential on this relying party, excluding the user's own", async () => {
    const user = await registerUser(exports.default);
    const first = await registrationOptions(user);
    expect(first.rp.id).toBe(RP_ID);
    expect(first.user).toMatchObject({ name: user.user.email, displayName: user.user.name });
    expect(first.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(first.challenge).toMatch(/^[\w-]{43}$/);
    const authenticator = new SoftwareAuthenticator();
    await addPasskey(user, authenticator);
    expect((await registrationOptions(user)).excludeCredentials?.map((credential) => credential.id)).toEqual([
      authenticator.lastCredentialId,
    ]);
  });

  it("stores it and answers 201 {passkey}, listed with its name and dates", async () => {
    const user = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    const response = await withBearer("POST", "/auth/passkeys/register", user.access_token, {
      response: await authenticator.register(await registrationOptions(user)),
      name: "Laptop",
    });
    expect(response.status).toBe(201);
    const { passkey } = (await response.json()) as { passkey: { id: string; name: string; last_used_at: null } };
    expect(passkey).toMatchObject({ name: "Laptop", last_used_at: null });
    expect(await listOf(user)).toEqual([expect.objectContaining({ id: passkey.id, name: "Laptop", created_at: expect.any(String) })]);
  });

  it("needs a signed-in caller with a recent sign-in", async () => {
    expect((await postJson(exports.default, "/auth/passkeys/register/options", {})).status).toBe(401);
    const user = await registerUser(exports.default);
    await signedInAgo(user, 601);
    const refused = await withBearer("POST", "/auth/passkeys/register/options", user.access_token);
    expect((await errorOf(refused)).code).toBe("reauth_required");
    expect(await countRows(db, "webauthn_challenges", "user_id = ?", user.user.id)).toBe(0);
  });

  it.each([
    ["a wrong origin", { origin: "https://evil.example" }],
    ["a wrong rp id", { rpId: "evil.example" }],
    ["no user verification", { userVerified: false }],
  ])("refuses a response with %s (400 invalid_passkey_response), storing nothing", async (_, bend) => {
    const user = await registerUser(exports.default);
    const response = await withBearer("POST", "/auth/passkeys/register", user.access_token, {
      response: await new SoftwareAuthenticator().register(await registrationOptions(user), bend),
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_passkey_response");
    expect(await countRows(db, "passkeys", "user_id = ?", user.user.id)).toBe(0);
  });

  it("refuses a challenge never issued, another user's, a replayed and an expired one (400 invalid_passkey_challenge)", async () => {
    const user = await registerUser(exports.default);
    const other = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    const options = await registrationOptions(user);
    const register = (body: unknown, as = user) => withBearer("POST", "/auth/passkeys/register", as.access_token, { response: body });

    const unknown = await register(await authenticator.register(options, { challenge: "bm90LWlzc3VlZC1hbnl3aGVyZS1ieS10aGUtc2VydmVy" }));
    expect((await errorOf(unknown)).code).toBe("invalid_passkey_challenge");
    const othersChallenge = await register(await authenticator.register(await registrationOptions(other)));
    expect((await errorOf(othersChallenge)).code).toBe("invalid_passkey_challenge");
    const signInChallenge = await register(await authenticator.register({ ...options, challenge: (await loginOptions()).challenge }));
    expect((await errorOf(signInChallenge)).code).toBe("invalid_passkey_challenge");

    const answer = await authenticator.register(options);
    expect((await register(answer)).status).toBe(201);
    expect((await errorOf(await register(answer))).code).toBe("invalid_passkey_challenge");

    const late = await registrationOptions(user);
    await db
      .prepare("UPDATE webauthn_challenges SET expires_at = ? WHERE challenge = ?")
      .bind(Date.now() - 1, late.challenge)
      .run();
    expect((await errorOf(await register(await authenticator.register(late)))).code).toBe("invalid_passkey_challenge");
    expect(await countRows(db, "passkeys", "user_id = ?", user.user.id)).toBe(1);
    expect(await countRows(db, "passkeys", "user_id = ?", other.user.id)).toBe(0);
  });

  it("refuses a malformed response with 400 validation_failed", async () => {
    const user = await registerUser(exports.default);
    const good = await new SoftwareAuthenticator().register(await registrationOptions(user));
    for (const response of [{}, { ...good, type: "other" }, { ...good, id: "not base64url!" }, { ...good, extra: 1 }]) {
      const answer = await withBearer("POST", "/auth/passkeys/register", user.access_token, { response });
      expect((await errorOf(answer)).code).toBe("validation_failed");
    }
  });
});

describe("signing in with a passkey", () => {
  it("needs no email: options with a challenge_id, then the token body with amr passkey — a second factor not asked again", async () => {
    const user = await registerUser(exports.default);
    await turnOnTotp(user);
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await addPasskey(user, authenticator);
    const options = await loginOptions();
    expect(options).toMatchObject({ rpId: RP_ID, challenge_id: expect.any(String), challenge: expect.stringMatching(/^[\w-]{43}$/) });
    const response = await signInWithPasskey(authenticator);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as TokenResponse;
    expect(tokens.user.id).toBe(user.user.id);
    expect(decodeJwt(tokens.access_token).amr).toEqual(["passkey"]);
    expect((await listOf(user)).find((passkey) => passkey.id === passkeyId)?.last_used_at).toEqual(expect.any(String));
  });

  it("refuses a replayed, expired or registration challenge (400 invalid_passkey_challenge), with no session", async () => {
    const user = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    await addPasskey(user, authenticator);
    const options = await loginOptions();
    const login = async (challengeId: string, challenge = options.challenge) =>
      postJson(exports.default, "/auth/passkeys/login", {
        challenge_id: challengeId,
        response: await authenticator.authenticate({ challenge }),
      });
    expect((await login(options.challenge_id)).status).toBe(200);
    expect((await errorOf(await login(options.challenge_id))).code).toBe("invalid_passkey_challenge");
    const late = await loginOptions();
    await db
      .prepare("UPDATE webauthn_challenges SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, late.challenge_id)
      .run();
    expect((await errorOf(await login(late.challenge_id, late.challenge))).code).toBe("invalid_passkey_challenge");
    const registration = await db
      .prepare("SELECT id, challenge FROM webauthn_challenges WHERE challenge = ?")
      .bind((await registrationOptions(user)).challenge)
      .first<{ id: string; challenge: string }>();
    expect((await errorOf(await login(registration?.id ?? "", registration?.challenge))).code).toBe("invalid_passkey_challenge");
    expect(await countRows(db, "sessions", "user_id = ?", user.user.id)).toBe(2);
  });

  it.each([
    ["a response for another challenge", { challenge: "YW5vdGhlci1jaGFsbGVuZ2UtdGhhbi10aGUtb25lLWlzc3VlZA" }],
    ["a wrong origin", { origin: "https://evil.example" }],
    ["a wrong rp id", { rpId: "evil.example" }],
    ["no user verification", { userVerified: false }],
  ])("refuses %s with 401 invalid_passkey, with no session", async (_, bend) => {
    const user = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    await addPasskey(user, authenticator);
    const response = await signInWithPasskey(authenticator, bend);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_passkey");
    expect(await countRows(db, "sessions", "user_id = ?", user.user.id)).toBe(1);
  });

  it("refuses a credential presented as another user's (the user handle), and an unknown credential", async () => {
    const owner = await registerUser(exports.default);
    const other = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    await addPasskey(owner, authenticator);
    const otherHandle = (await registrationOptions(other)).user.id;
    expect((await errorOf(await signInWithPasskey(authenticator, { userHandle: otherHandle }))).code).toBe("invalid_passkey");
    const stranger = new SoftwareAuthenticator();
    await stranger.register(await registrationOptions(other));
    expect((await errorOf(await signInWithPasskey(stranger))).code).toBe("invalid_passkey");
    expect(await countRows(db, "sessions", "user_id IN (?, ?)", owner.user.id, other.user.id)).toBe(2);
  });

  it("refuses a counter that went backwards or stood still (a cloned authenticator), keeping the stored counter", async () => {
    const user = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    await addPasskey(user, authenticator);
    expect((await signInWithPasskey(authenticator, { counter: 5 })).status).toBe(200);
    expect((await errorOf(await signInWithPasskey(authenticator, { counter: 3 }))).code).toBe("invalid_passkey");
    expect((await errorOf(await signInWithPasskey(authenticator, { counter: 5 }))).code).toBe("invalid_passkey");
    const stored = await db.prepare("SELECT counter FROM passkeys WHERE user_id = ?").bind(user.user.id).first<{ counter: number }>();
    expect(stored?.counter).toBe(5);
    expect((await signInWithPasskey(authenticator, { counter: 6 })).status).toBe(200);
  });
});

describe("a user's passkeys", () => {
  it("are renamed by their owner only (404 for anyone else's), with a bounded name", async () => {
    const user = await registerUser(exports.default);
    const other = await registerUser(exports.default);
    const id = await addPasskey(user, new SoftwareAuthenticator(), "Phone");
    const renamed = await withBearer("PATCH", `/auth/passkeys/${id}`, user.access_token, { name: "Work phone" });
    expect(await renamed.json()).toMatchObject({ passkey: { id, name: "Work phone" } });
    expect((await errorOf(await withBearer("PATCH", `/auth/passkeys/${id}`, other.access_token, { name: "Mine" }))).code).toBe("not_found");
    for (const name of ["", " ", "x".repeat(65), "a\u202Eb"]) {
      expect((await errorOf(await withBearer("PATCH", `/auth/passkeys/${id}`, user.access_token, { name }))).code).toBe(
        "validation_failed",
      );
    }
    expect((await listOf(user))[0]?.name).toBe("Work phone");
  });

  it("are deleted by their owner with a recent sign-in, and then sign in no one", async () => {
    const user = await registerUser(exports.default);
    const other = await registerUser(exports.default);
    const authenticator = new SoftwareAuthenticator();
    const id = await addPasskey(user, authenticator);
    expect((await errorOf(await withBearer("DELETE", `/auth/passkeys/${id}`, other.access_token))).code).toBe("not_found");
    await signedInAgo(user, 601);
    expect((await errorOf(await withBearer("DELETE", `/auth/passkeys/${id}`, user.access_token))).code).toBe("reauth_required");
    await signedInAgo(user, 0);
    expect((await withBearer("DELETE", `/auth/passkeys/${id}`, user.access_token)).status).toBe(204);
    expect(await listOf(user)).toEqual([]);
    expect((await errorOf(await signInWithPasskey(authenticator))).code).toBe("invalid_passkey");
  });
});
