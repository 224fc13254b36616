import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { sha256Base64Url, timingSafeEqualText } from "../../shared/crypto.js";
import { ApiError } from "../../shared/errors.js";
import type { ServiceTokenGrant } from "../../shared/rpc.js";
import { AUTH_SERVICE_ID, SERVICE_TOKEN_TTL_SECONDS, TOKEN_ALGORITHM } from "../../shared/tokens.js";
import type { AuthDatabase } from "../db/client.js";
import { serviceClients, type ServiceClient } from "../db/schema.js";
import type { KeyRing } from "./keys.js";

const INVALID_SERVICE = "Unknown service or wrong secret.";

/** Checks a service id and secret. Unknown id and wrong secret fail alike, in like time. */
export async function authenticateServiceClient(db: AuthDatabase, serviceId: string, serviceSecret: string): Promise<ServiceClient> {
  const presentedHash = await sha256Base64Url(serviceSecret);
  const client = await db.select().from(serviceClients).where(eq(serviceClients.id, serviceId)).get();
  const storedHash = client?.secretHash ?? presentedHash.replace(/./g, "0");
  const secretMatches = timingSafeEqualText(presentedHash, storedHash);
  // The auth Worker's own subject is never a client's: its tokens are minted in-process only.
  if (!client || !secretMatches || client.disabledAt !== null || serviceId === AUTH_SERVICE_ID) {
    throw new ApiError("invalid_service", INVALID_SERVICE);
  }
  return client;
}

/** The permissions to grant: all the client has, or the requested subset of them. */
export function grantedPermissions(client: ServiceClient, requested: string[] | undefined): string[] {
  if (requested === undefined) return client.permissions;
  const refused = requested.filter((permission) => !client.permissions.includes(permission));
  if (refused.length > 0) {
    throw new ApiError("permission_denied", `This service may not hold: ${refused.join(", ")}.`);
  }
  return [...new Set(requested)];
}

export async function mintServiceToken(
  ring: KeyRing,
  issuer: string,
  service: { id: string; name: string; audiences: string[] },
  permissions: string[],
): Promise<ServiceTokenGrant> {
  const accessToken = await new SignJWT({ service: service.name, token_type: "service", permissions })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: ring.kid, typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(service.audiences)
    .setSubject(service.id)
    .setIssuedAt()
    .setExpirationTime(`${SERVICE_TOKEN_TTL_SECONDS}s`)
    .setJti(crypto.randomUUID())
    .sign(ring.privateKey);
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: SERVICE_TOKEN_TTL_SECONDS,
    service_name: service.name,
  };
}
