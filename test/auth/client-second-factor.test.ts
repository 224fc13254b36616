import { exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createAuthClient, TetherApiError, type AuthClient } from "../../client/index.js";
import { freshClientIp, ORIGIN, STRONG_PASSWORD, uniqueEmail } from "../support/http.js";
import { currentCode, forgetUsedSteps, wrongCode } from "./support/second-factor.js";

/** The SDK's side of the second factor: auth.mfa and login()'s mfaRequired step, against the auth Worker. */
function sdk(): AuthClient {
  return createAuthClient({
    baseUrl: ORIGIN,
    fetch: (url, init) => exports.default.fetch(url, { ...init, headers: { ...init?.headers, "CF-Connecting-IP": freshClientIp() } }),
  });
}

describe("auth.mfa and login()", () => {
  it("enroll, confirm, then a login that stops at mfaRequired and auth.mfa.verify finishes", async () => {
    const auth = sdk();
    const email = uniqueEmail("sdk-mfa");
    const registered = await auth.register({ email, password: STRONG_PASSWORD, name: "Sdk" });
    const { secret, otpauth_uri } = await auth.mfa.enroll();
    expect(otpauth_uri).toContain(`secret=${secret}`);
    const { recovery_codes } = await auth.mfa.confirm(currentCode(secret));
    expect(recovery_codes).toHaveLength(10);
    expect(await auth.mfa.status()).toEqual({ totp_enabled: true, recovery_codes_left: 10 });
    await forgetUsedSteps(registered.user.id);
    await auth.logout();

    const result = await auth.login({ email, password: STRONG_PASSWORD });
    if (!result.mfaRequired) throw new Error("expected the second factor's step");
    expect(await auth.session()).toBeNull();
    await expect(auth.mfa.verify(result.mfaToken, wrongCode(secret))).rejects.toMatchObject({ code: "invalid_mfa_code", status: 401 });
    const session = await auth.mfa.verify(result.mfaToken, currentCode(secret));
    expect(decodeJwt(session.access_token).amr).toEqual(["pwd", "otp"]);
    expect(await auth.session()).toEqual(session);
  });

  it("answers a plain login with the session itself, and turns the factor off with a code", async () => {
    const auth = sdk();
    const email = uniqueEmail("sdk-mfa-off");
    const registered = await auth.register({ email, password: STRONG_PASSWORD, name: "Sdk" });
    const { secret } = await auth.mfa.enroll();
    await auth.mfa.confirm(currentCode(secret));
    await forgetUsedSteps(registered.user.id);
    await expect(auth.mfa.disable(wrongCode(secret))).rejects.toBeInstanceOf(TetherApiError);
    await auth.mfa.disable(currentCode(secret));
    const result = await auth.login({ email, password: STRONG_PASSWORD });
    expect(result.mfaRequired).toBeFalsy();
    if (!result.mfaRequired) expect(result.user.email).toBe(email);
  });
});
