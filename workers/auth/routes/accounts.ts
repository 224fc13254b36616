import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { ApiError } from "../../shared/errors.js";
import { jsonBody } from "../../shared/http.js";
import { clientInfo, rateLimit, requireAccessKeys, requireDevFeatures, type AuthAppEnv } from "../middleware.js";
import { hashPassword, passwordWeakness } from "../passwords.js";
import { signInWithPassword } from "../password-sign-in.js";
import { DevLoginBody, LoginBody, RegisterBody } from "../schemas.js";
import { startSession } from "../sessions.js";
import { sendVerificationMail } from "../email-ownership.js";
import { DEVICE_COOKIE } from "../tokens/device.js";
import { findUserByEmail, insertUser, newUserRow } from "../users.js";
import { signedIn, signedInOrMfa } from "./signed-in.js";

/** Sign-up and sign-in: each answers with a new session's tokens. */
export const accountRoutes = new Hono<AuthAppEnv>();

accountRoutes.post("/register", rateLimit("register"), requireAccessKeys, jsonBody(RegisterBody), async (c) => {
  const { email, password, name } = c.req.valid("json");
  const weakness = passwordWeakness(password, email, c.var.auth.config.passwordMinLength);
  if (weakness) throw new ApiError("weak_password", weakness);
  const auth = c.var.auth;
  const user = await insertUser(auth.db, newUserRow({ email, name, passwordHash: await hashPassword(password) }, Date.now()));
  if (!user) throw new ApiError("email_taken", "An account with this email already exists.");
  // The address is not proved yet (email_verified: false): a mail with a link does that.
  await sendVerificationMail(auth, c.env, user);
  return signedIn(c, await startSession(auth, user, clientInfo(c), { amr: ["pwd"] }), 201);
});

/**
 * Rate limited per client address (the middleware), and failures limited per (account, address)
 * and per account, where a device token from an earlier sign-in — in the body, or the browser's
 * `tether_device` cookie — still gets the owner in (password-sign-in.ts, login-throttle.ts).
 */
accountRoutes.post("/login", rateLimit("login"), requireAccessKeys, jsonBody(LoginBody), async (c) => {
  const { email, password, device_token } = c.req.valid("json");
  const response = await signInWithPassword(c.var.auth, {
    email,
    password,
    deviceToken: device_token ?? getCookie(c, DEVICE_COOKIE),
    clientAddress: c.req.header("CF-Connecting-IP"),
    client: clientInfo(c),
  });
  return signedInOrMfa(c, response);
});

/** Password-less sign-in for local development and tests only (see requireDevFeatures). */
accountRoutes.post("/dev/login", requireDevFeatures, requireAccessKeys, jsonBody(DevLoginBody), async (c) => {
  const auth = c.var.auth;
  const { email, name } = c.req.valid("json");
  const user =
    (await findUserByEmail(auth.db, email)) ??
    (await insertUser(auth.db, newUserRow({ email, name: name ?? email.split("@")[0] ?? email, passwordHash: null }, Date.now()))) ??
    // A concurrent dev login created it between our read and insert.
    (await findUserByEmail(auth.db, email));
  if (!user) throw new ApiError("internal_error", "The user could not be created.");
  if (user.disabledAt !== null) throw new ApiError("invalid_credentials", "This account is disabled.");
  return signedIn(c, await startSession(auth, user, clientInfo(c), { amr: ["dev"] }));
});
