import { Hono } from "hono";
import { ApiError } from "../../shared/errors.js";
import { jsonBody } from "../../shared/http.js";
import { clientInfo, rateLimit, requireAccessKeys, requireUserSession, type AuthAppEnv } from "../middleware.js";
import { pendingMfaSignIn, spendMfaToken } from "../mfa/mfa-tokens.js";
import { recoveryCodesLeft } from "../mfa/recovery-codes.js";
import { checkSecondFactor, confirmTotp, disableTotp, enrollTotp, hasSecondFactor } from "../mfa/second-factor.js";
import { requireRecentSignIn } from "../recent-sign-in.js";
import { MfaCodeBody, MfaVerifyBody } from "../schemas.js";
import { startSession } from "../sessions.js";
import { findUserById } from "../users.js";
import { signedIn } from "./signed-in.js";

/**
 * The TOTP second factor (docs/sign-in.md, Second factor): enroll → confirm while signed in
 * (recently), the code at sign-in (`mfa_required` → verify), and turning it off with a code.
 */
export const mfaRoutes = new Hono<AuthAppEnv>();

mfaRoutes.get("/mfa", requireUserSession, async (c) => {
  const userId = c.var.access.user.id;
  return c.json({
    totp_enabled: await hasSecondFactor(c.var.auth, userId),
    recovery_codes_left: await recoveryCodesLeft(c.var.auth, userId),
  });
});

mfaRoutes.post("/mfa/totp/enroll", requireUserSession, requireRecentSignIn, async (c) =>
  c.json(await enrollTotp(c.var.auth, c.var.access.user)),
);

mfaRoutes.post("/mfa/totp/confirm", requireUserSession, requireRecentSignIn, jsonBody(MfaCodeBody), async (c) =>
  c.json(await confirmTotp(c.var.auth, c.var.access.user, c.req.valid("json").code)),
);

mfaRoutes.delete("/mfa/totp", requireUserSession, requireRecentSignIn, jsonBody(MfaCodeBody), async (c) => {
  await disableTotp(c.var.auth, c.var.access.user, c.req.valid("json").code);
  return c.body(null, 204);
});

/**
 * Finishes a sign-in that answered `mfa_required`. The token is checked first, the code next
 * (counted per account, 429 past five wrong), and only a right code spends the token. The session
 * is written only if the account's credentials are still those the first factor read.
 */
mfaRoutes.post("/mfa/verify", rateLimit("mfa-verify"), requireAccessKeys, jsonBody(MfaVerifyBody), async (c) => {
  const auth = c.var.auth;
  const { mfa_token, code } = c.req.valid("json");
  const pending = await pendingMfaSignIn(auth, mfa_token);
  const user = await findUserById(auth.db, pending.userId);
  if (!user || user.disabledAt !== null) throw new ApiError("invalid_mfa_token", "The sign-in has expired; sign in again.");
  await checkSecondFactor(auth, user.id, code);
  await spendMfaToken(auth, pending);
  const firstFactor = pending.amr.filter((method) => method === "pwd" || method === "oidc");
  return signedIn(
    c,
    await startSession(auth, { ...user, credentialVersion: pending.credentialVersion }, clientInfo(c), {
      amr: [...firstFactor, "otp"],
      deviceId: pending.deviceId,
    }),
  );
});
