import { decodeProtectedHeader } from "jose";
import { verifyServiceToken } from "../shared/service-token.js";
import { TokenError } from "../shared/token-errors.js";
import type { TokenFailureCode } from "../shared/tokens.js";
import type { AuthContext } from "./context.js";
import { authenticateAccessToken } from "./sessions.js";

/** The body of POST /auth/validate. */
export type TokenIntrospection =
  | {
      valid: true;
      token_type: "access";
      user_id: string;
      session_id: string;
      email: string;
      permissions: string[];
      expires_at: string;
    }
  | {
      valid: true;
      token_type: "service";
      service_id: string;
      session_id: null;
      email: null;
      permissions: string[];
      expires_at: string;
    }
  | { valid: false; reason: TokenFailureCode };

const isoSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * Tells a service what a token is. Access tokens get the full check, session included. A
 * service token is valid only if it is addressed to the service asking (its `aud` names the
 * caller's service id), since that is the only service that should ever be shown it. The id, not
 * the name: names are free text, so two clients may share one, and a token addressed to one
 * service's name would otherwise be shown as valid to another that took the same name.
 */
export async function introspectToken(ctx: AuthContext, token: string, callerServiceId: string): Promise<TokenIntrospection> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { valid: false, reason: "invalid_token" };
  }
  try {
    const serviceKeys = await ctx.serviceKeys();
    if (kid !== undefined && serviceKeys.jwks.keys.some((key) => key.kid === kid)) {
      const claims = await verifyServiceToken(token, serviceKeys.verificationKeys, {
        issuer: ctx.config.issuer,
        audience: callerServiceId,
      });
      return {
        valid: true,
        token_type: "service",
        service_id: claims.sub,
        session_id: null,
        email: null,
        permissions: claims.permissions,
        expires_at: isoSeconds(claims.exp),
      };
    }
    const { claims } = await authenticateAccessToken(ctx, token);
    return {
      valid: true,
      token_type: "access",
      user_id: claims.sub,
      session_id: claims.sid,
      email: claims.email,
      permissions: claims.permissions,
      expires_at: isoSeconds(claims.exp),
    };
  } catch (error) {
    if (error instanceof TokenError) return { valid: false, reason: error.code };
    throw error;
  }
}
