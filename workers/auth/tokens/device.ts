/**
 * @module
 * Device tokens (docs/protocol.md, OWASP's device-cookie scheme): every successful sign-in hands the
 * client one, naming the account and a device id; a later password sign-in that presents it is a
 * known device, which the per-account lockout does not hold back (login-throttle.ts).
 *
 * Form: a JWT (ES256) signed with a key of its own (`DEVICE_SIGNING_KEY`, generated in development
 * like the others), `typ: "device+jwt"`, `iss` the issuer, `aud: "tether-auth:device"`, `sub` the
 * user id, `jti` the device id, `token_type: "device"`, `iat`, `exp` one year on. Its own key
 * because the access keys are published (the JWKS): a verifier elsewhere that checks only the
 * signature of an "access token" must never be handed a device token that passes (docs/protocol.md, one
 * key per kind). It holds no `sid`, and its audience, `typ` and `token_type` differ as well.
 */
import { isCanonicalCompactJws } from "../../shared/tokens.js";
import type { AuthContext } from "../context.js";
import { signOwnToken, verifyOwnToken, type OwnTokenKind } from "./own-tokens.js";

export const DEVICE_TOKEN_TTL_SECONDS = 365 * 24 * 3600;
/** The cookie that carries it for browsers: HttpOnly, SameSite=Strict, sent only to /auth. */
export const DEVICE_COOKIE = "tether_device";
/** Longer than any token we sign (about 400 characters); bounds what a request may make us verify. */
export const MAX_DEVICE_TOKEN_LENGTH = 2048;

const DEVICE_TOKEN: OwnTokenKind = {
  typ: "device+jwt",
  audience: "tether-auth:device",
  ttlSeconds: DEVICE_TOKEN_TTL_SECONDS,
  keys: (ctx) => ctx.deviceKeys(),
};

export interface DeviceToken {
  userId: string;
  deviceId: string;
}

export async function signDeviceToken(ctx: AuthContext, device: DeviceToken): Promise<string> {
  return signOwnToken(ctx, DEVICE_TOKEN, { token_type: "device" }, { sub: device.userId, jti: device.deviceId });
}

/**
 * The device a token names, if it is ours, unexpired, and names `userId`; null for anything else
 * (absent, forged, expired, another account's) — which the caller treats as an unknown device.
 * The signature is checked even when there is no such user (`userId` null), so the time taken
 * does not tell whether an account has the address.
 */
export async function verifyDeviceToken(ctx: AuthContext, token: string | undefined, userId: string | null): Promise<DeviceToken | null> {
  if (!token || token.length > MAX_DEVICE_TOKEN_LENGTH || !isCanonicalCompactJws(token)) return null;
  try {
    const payload = await verifyOwnToken(ctx, DEVICE_TOKEN, token, ["sub", "jti", "exp"]);
    if (userId === null || payload.token_type !== "device" || payload.sub !== userId || typeof payload.jti !== "string") return null;
    // The id is used in a counter's key: only the form we mint (a UUID) is accepted.
    if (!/^[0-9a-f-]{36}$/.test(payload.jti)) return null;
    return { userId, deviceId: payload.jti };
  } catch {
    return null;
  }
}
