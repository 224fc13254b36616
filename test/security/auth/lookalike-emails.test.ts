import { DEFAULT_AUTH_SETUP } from "../../../workers/auth/auth-setup.js";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authContext } from "../../../workers/auth/context.js";
import { userForIdentity } from "../../../workers/auth/oauth/identities.js";
import { ApiError } from "../../../workers/shared/errors.js";
import { countRows } from "../../support/auth-db.js";
import {
  latestMail,
  mailboxOf,
  postJson,
  registerUser,
  registerVerifiedUser,
  STRONG_PASSWORD,
  type TokenResponse,
} from "../../support/http.js";
import { exchangeHandoff, handoffCodeOf, SignInBrowser } from "../../support/oauth-browser.js";

/**
 * Account takeover through a look-alike domain (docs/protocol.md). Whoever owns `maıl.test` (a dotless ı:
 * another domain, another owner) registers and proves `v@maıl.test`. Were it compared as
 * `v@mail.test`, the real owner's later sign-up would be refused as taken, their provider sign-in
 * would land in the attacker's account — and a provider's verified look-alike would link straight
 * into the owner's. The key keeps the two apart, and provider addresses pass the same checks.
 */
const db = env.AUTH_DB;
const tag = () => crypto.randomUUID().slice(0, 8);
const real = (id: string) => `v-${id}@mail.test`;
const lookAlike = (id: string) => `v-${id}@ma\u0131l.test`;
const auth = () => authContext(DEFAULT_AUTH_SETUP, env, "loopback");
const providerIdentity = (email: string) => ({
  issuer: "https://idp.attacker.test",
  subject: `attacker-${crypto.randomUUID()}`,
  email,
  emailVerified: true,
  name: "Attacker",
});

async function identityUsersOf(userId: string): Promise<number> {
  return countRows(db, "user_identities", "user_id = ?", userId);
}

describe("a look-alike domain", () => {
  it("is another account: registering it beside the real address makes two users, each proving only its own", async () => {
    const id = tag();
    const owner = await registerUser(exports.default, { email: real(id) });
    const attacker = await registerVerifiedUser(exports.default, { email: lookAlike(id), password: "the attacker's passphrase" });
    expect(attacker.user.id).not.toBe(owner.user.id);
    // Proving the look-alike proved nothing of the owner's address, and no mail of theirs went there.
    const ownerRow = await db.prepare("SELECT email_verified_at FROM users WHERE id = ?").bind(owner.user.id).first();
    expect(ownerRow).toEqual({ email_verified_at: null });
    expect((await mailboxOf(exports.default, real(id))).map((mail) => mail.to)).toEqual([real(id)]);
    const signIn = (email: string, password: string) => postJson(exports.default, "/auth/login", { email, password });
    expect(((await (await signIn(real(id), STRONG_PASSWORD)).json()) as TokenResponse).user.id).toBe(owner.user.id);
    expect((await signIn(real(id), "the attacker's passphrase")).status).toBe(401);
  });

  it("registered and proved first does not take the real owner's provider sign-in", async () => {
    const id = tag();
    const attacker = await registerVerifiedUser(exports.default, { email: lookAlike(id) });
    const callback = await new SignInBrowser(exports.default, env.DEV_OIDC).signIn({ email: real(id), emailVerified: true });
    const exchanged = await exchangeHandoff(exports.default, handoffCodeOf(callback));
    expect(exchanged.status).toBe(200);
    const owner = (await exchanged.json()) as TokenResponse;
    expect(owner.user).toMatchObject({ email: real(id), email_verified: true });
    expect(owner.user.id).not.toBe(attacker.user.id);
    expect(await identityUsersOf(attacker.user.id)).toBe(0);
  });

  it("verified by a provider does not link into the real owner's proved account", async () => {
    const id = tag();
    const owner = await registerVerifiedUser(exports.default, { email: real(id) });
    const linked = await userForIdentity(auth(), "attacker-idp", providerIdentity(lookAlike(id)));
    expect(linked.id).not.toBe(owner.user.id);
    expect(linked.email).toBe(lookAlike(id));
    expect(await identityUsersOf(owner.user.id)).toBe(0);
    // The owner's account is as it was: their password, their mail.
    expect((await postJson(exports.default, "/auth/login", { email: real(id), password: STRONG_PASSWORD })).status).toBe(200);
    expect((await latestMail(exports.default, real(id), /confirm/i)).to).toBe(real(id));
  });
});

describe("an address from a provider", () => {
  it.each([
    ["a control character", `v-${tag()}\u0000@example.com`, "must not contain control or invisible characters"],
    ["a right-to-left override", `v-${tag()}\u202e@example.com`, "must not contain control or invisible characters"],
    ["more than 254 characters", `${"v".repeat(64)}@${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(63)}.test`, "at most 254"],
    ["a domain the URL parser refuses", `v-${tag()}@a\u2488.test`, "not a valid domain name"],
  ])("with %s is refused with oauth_failed saying why, and creates no user", async (_case, email, why) => {
    const refused = await userForIdentity(auth(), "dev", providerIdentity(email)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).toJSON()).toEqual({ error: { code: "oauth_failed", message: expect.stringContaining(why) } });
    expect(await countRows(db, "users", "email = ?", email)).toBe(0);
    expect(await countRows(db, "user_identities", "email = ?", email)).toBe(0);
  });
});
