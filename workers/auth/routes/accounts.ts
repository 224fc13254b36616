import { Hono } from "hono";
import { ApiError } from "../../shared/errors.js";
import { jsonBody } from "../../shared/http.js";
import { clientInfo, rateLimit, requireAccessKeys, requireDevFeatures, type AuthAppEnv } from "../middleware.js";
import { burnPasswordCheck, hashPassword, passwordWeakness, verifyPassword } from "../passwords.js";
import { DevLoginBody, LoginBody, PASSWORD_MIN_LENGTH, RegisterBody } from "../schemas.js";
import { startSession } from "../sessions.js";
import { sendVerificationMail } from "../email-ownership.js";
import { clearLoginFailures, recordLoginFailure, refuseIfThrottled } from "../login-throttle.js";
import { findUserByEmail, insertUser, newUserRow, normalizeEmail } from "../users.js";

/** Sign-up and sign-in: each answers with a new session's tokens. */
export const accountRoutes = new Hono<AuthAppEnv>();

accountRoutes.post("/register", rateLimit("register"), requireAccessKeys, jsonBody(RegisterBody), async (c) => {
  const { email, password, name } = c.req.valid("json");
  const weakness = passwordWeakness(password, email, PASSWORD_MIN_LENGTH);
  if (weakness) throw new ApiError("weak_password", weakness);
  const auth = c.var.auth;
  const user = await insertUser(auth.db, newUserRow({ email, name, passwordHash: await hashPassword(password) }, Date.now()));
  if (!user) throw new ApiError("email_taken", "An account with this email already exists.");
  // The address is not proved yet (email_verified: false): a mail with a link does that.
  await sendVerificationMail(auth, c.env, user);
  return c.json(await startSession(auth, user, clientInfo(c)), 201);
});

// One message for unknown email and wrong password, so the answer does not reveal accounts.
const INVALID_CREDENTIALS = "The email or password is wrong.";

/**
 * Rate limited per client address (the middleware) and per account (login-throttle.ts), the
 * latter counting failures by address whether or not an account has it.
 */
accountRoutes.post("/login", rateLimit("login"), requireAccessKeys, jsonBody(LoginBody), async (c) => {
  const { email, password } = c.req.valid("json");
  const auth = c.var.auth;
  const nowMs = Date.now();
  const account = normalizeEmail(email);
  await refuseIfThrottled(auth, account, nowMs);
  const user = await findUserByEmail(auth.db, email);
  // The password is hashed on every path, so an unknown address takes as long as a wrong password.
  const passwordMatches = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password);
  if (!user || !passwordMatches || user.disabledAt !== null) {
    await recordLoginFailure(auth, account, nowMs);
    throw new ApiError("invalid_credentials", INVALID_CREDENTIALS);
  }
  await clearLoginFailures(auth, account);
  return c.json(await startSession(auth, user, clientInfo(c)));
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
  return c.json(await startSession(auth, user, clientInfo(c)));
});
