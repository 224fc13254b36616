/**
 * @module
 * A password sign-in, in the order that keeps it safe (docs/protocol.md):
 * 1. the user and the device token are read (a token counts only for the account it names);
 * 2. the attempt is counted, and refused past the limits, *before* the slow hash (login-throttle.ts);
 * 3. the password is checked — hashed on every path, so an unknown address takes as long as a
 *    wrong password;
 * 4. the session is written only if the credential version read in step 1 is still current
 *    (sessions.ts), so a sign-in racing a reset or a claim leaves nothing behind;
 * 5. the reservation is released, and a hash of an older form is replaced.
 * An account with a second factor gets no session at step 4 but an `mfa_token` (mfa/mfa-tokens.ts).
 */
import { and, eq } from "drizzle-orm";
import { ApiError } from "../shared/errors.js";
import type { AuthContext } from "./context.js";
import { users, type User } from "./db/schema.js";
import { releaseLoginAttempt, reserveLoginAttempt } from "./login-throttle.js";
import { issueMfaToken, type MfaChallenge } from "./mfa/mfa-tokens.js";
import { hasSecondFactor } from "./mfa/second-factor.js";
import { burnPasswordCheck, hashPassword, verifyPassword, type PasswordCheck } from "./passwords.js";
import { startSession, type ClientInfo, type SignInResponse } from "./sessions.js";
import { verifyDeviceToken } from "./tokens/device.js";
import { findUserByEmail, normalizeEmail } from "./users.js";

// One message for unknown email, wrong password and a lost race, so the answer reveals nothing.
const INVALID_CREDENTIALS = "The email or password is wrong.";

export interface PasswordSignIn {
  email: string;
  password: string;
  /** From the body or the `tether_device` cookie; anything not valid for this account is ignored. */
  deviceToken: string | undefined;
  /** `CF-Connecting-IP`, counted by client (an IPv6 client by its /64). */
  clientAddress: string | undefined;
  client: ClientInfo;
}

export async function signInWithPassword(ctx: AuthContext, attempt: PasswordSignIn): Promise<SignInResponse | MfaChallenge> {
  const user = await findUserByEmail(ctx.db, attempt.email);
  const device = await verifyDeviceToken(ctx, attempt.deviceToken, user?.id ?? null);
  const deviceId = device?.deviceId ?? null;
  const reservation = await reserveLoginAttempt(
    ctx,
    { account: normalizeEmail(attempt.email), clientAddress: attempt.clientAddress, deviceId },
    Date.now(),
  );
  const check: PasswordCheck = user?.passwordHash
    ? await verifyPassword(attempt.password, user.passwordHash)
    : { matches: await burnPasswordCheck(attempt.password) };
  // A failure keeps its reservation: that is the count.
  if (!user || !check.matches || user.disabledAt !== null) throw new ApiError("invalid_credentials", INVALID_CREDENTIALS);
  if (await hasSecondFactor(ctx, user.id)) {
    // The password was right: its attempt is given back; the code has a throttle of its own.
    await releaseLoginAttempt(ctx, reservation);
    if (check.rehash) await rehashPassword(ctx, user, attempt.password);
    return issueMfaToken(ctx, user, { amr: ["pwd"], deviceId });
  }
  let signedIn: SignInResponse;
  try {
    signedIn = await startSession(ctx, user, attempt.client, { amr: ["pwd"], deviceId });
  } catch (error) {
    // The credentials changed between the read and the write: as far as this attempt knew, wrong.
    if (error instanceof ApiError && error.code === "invalid_credentials") throw new ApiError("invalid_credentials", INVALID_CREDENTIALS);
    throw error;
  }
  await releaseLoginAttempt(ctx, reservation);
  if (check.rehash) await rehashPassword(ctx, user, attempt.password);
  return signedIn;
}

/**
 * Replaces a hash of an older form with the current one, now that the password is known to be
 * right. The same credential, so the version does not move; and only if the hash is still the one
 * checked — a reset since then wins.
 */
async function rehashPassword(ctx: AuthContext, user: User, password: string): Promise<void> {
  if (user.passwordHash === null) return;
  await ctx.db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
}
