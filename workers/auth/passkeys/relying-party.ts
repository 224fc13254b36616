/**
 * @module
 * Who the passkeys are for: the relying party's id (`WEBAUTHN_RP_ID`, the site's registrable
 * domain or a subdomain of it) and the origins its pages run on (`WEBAUTHN_ORIGINS`,
 * space-separated). The browser signs the origin into every response and the authenticator the rp
 * id's hash, so a look-alike site's responses are refused. Empty (the deployable default):
 * passkeys are off, 503 `passkeys_unavailable`.
 */
import { ApiError } from "../../shared/errors.js";
import { isLoopbackUrl } from "../../shared/loopback.js";
import type { AuthBindings } from "../config.js";

export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** Why the two vars cannot be used together, or null when they can (or are both empty: off). */
export function relyingPartyProblem(env: Pick<AuthBindings, "WEBAUTHN_RP_ID" | "WEBAUTHN_ORIGINS">): string | null {
  const id = (env.WEBAUTHN_RP_ID ?? "").trim();
  const origins = (env.WEBAUTHN_ORIGINS ?? "").split(/\s+/).filter(Boolean);
  if (!id && origins.length === 0) return null;
  if (!id || origins.length === 0) return "WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are set together or not at all";
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `WEBAUTHN_ORIGINS: ${origin.slice(0, 64)} is not an origin`;
    }
    if (url.origin !== origin) return `WEBAUTHN_ORIGINS: ${origin.slice(0, 64)} is not an origin (scheme://host[:port], no path)`;
    if (url.protocol !== "https:" && !isLoopbackUrl(url)) return `WEBAUTHN_ORIGINS: ${url.origin} must be https`;
    // WebAuthn lets a page use an rp id that is its own host or a registrable suffix of it.
    if (url.hostname !== id && !url.hostname.endsWith(`.${id}`)) return `WEBAUTHN_ORIGINS: ${url.origin} is not on ${id}`;
  }
  return null;
}

export function relyingParty(env: AuthBindings): RelyingParty {
  const id = (env.WEBAUTHN_RP_ID ?? "").trim();
  if (!id || relyingPartyProblem(env)) throw new ApiError("passkeys_unavailable", "Passkeys are not configured here.");
  return { id, name: id, origins: (env.WEBAUTHN_ORIGINS ?? "").split(/\s+/).filter(Boolean) };
}
