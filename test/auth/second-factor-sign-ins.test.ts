import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { DEFAULT_AUTH_SETUP } from "../../workers/auth/auth-setup.js";
import { authContext } from "../../workers/auth/context.js";
import { authDatabase } from "../../workers/auth/db/client.js";
import { decryptSecret, encryptSecret } from "../../workers/auth/mfa/encryption.js";
import { enrollTotp } from "../../workers/auth/mfa/second-factor.js";
import { findUserById as findUser } from "../../workers/auth/users.js";
import { countRows } from "../support/auth-db.js";
import { registerUser, uniqueEmail, type TokenResponse } from "../support/http.js";
import { exchangeHandoff, handoffCodeOf, SignInBrowser } from "../support/oauth-browser.js";
import { currentCode, turnOnTotp, verifyMfa } from "./support/second-factor.js";

/** A second factor is asked for after any first factor — a provider's too — and its key is a deployment's secret. */
const browser = () => new SignInBrowser(exports.default, env.DEV_OIDC);

describe("a provider sign-in for an account with a second factor", () => {
  it("answers the handoff with 401 mfa_required, and the code finishes it with amr oidc + otp", async () => {
    const email = uniqueEmail("oidc-mfa");
    const first = await exchangeHandoff(exports.default, handoffCodeOf(await browser().signIn({ email, name: "Otto" })));
    const user = (await first.json()) as TokenResponse;
    const { secret } = await turnOnTotp(user);

    const handoff = await exchangeHandoff(exports.default, handoffCodeOf(await browser().signIn({ email, name: "Otto" })));
    expect(handoff.status).toBe(401);
    const body = (await handoff.json()) as { error: { code: string }; mfa_token: string; access_token?: string };
    expect(body.error.code).toBe("mfa_required");
    expect(body.access_token).toBeUndefined();
    const verified = await verifyMfa(body.mfa_token, currentCode(secret));
    expect(verified.status).toBe(200);
    expect(decodeJwt(((await verified.json()) as TokenResponse).access_token).amr).toEqual(["oidc", "otp"]);
  });
});

describe("MFA_ENCRYPTION_KEY", () => {
  it("is required outside development: without it, enrolling refuses (signing_keys_unavailable) and stores nothing", async () => {
    const user = await registerUser(exports.default);
    const found = await findUser(authDatabase(env.AUTH_DB), user.user.id);
    if (!found) throw new Error("no user");
    // The same env on a public host: development features, the generated key among them, are off.
    const publicHost = authContext(DEFAULT_AUTH_SETUP, env, "public");
    await expect(enrollTotp(publicHost, found)).rejects.toMatchObject({ code: "signing_keys_unavailable" });
    expect(await countRows(env.AUTH_DB, "user_totp", "user_id = ?", user.user.id)).toBe(0);
  });

  it("encrypts under the secret when it is set, bound to the user", async () => {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const ctx = { ...authContext(DEFAULT_AUTH_SETUP, env, "public"), mfaEncryptionKey: key };
    const sealed = await encryptSecret(ctx, "user-a", "JBSWY3DPEHPK3PXP");
    expect(await decryptSecret(ctx, "user-a", sealed)).toBe("JBSWY3DPEHPK3PXP");
    await expect(decryptSecret(ctx, "user-b", sealed)).rejects.toMatchObject({ code: "internal_error" });
    const otherKey = { ...ctx, mfaEncryptionKey: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))) };
    await expect(decryptSecret(otherKey, "user-a", sealed)).rejects.toMatchObject({ code: "internal_error" });
  });
});
