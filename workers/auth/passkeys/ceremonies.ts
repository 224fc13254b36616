/**
 * @module
 * The two WebAuthn ceremonies through `@simplewebauthn/server`, which checks every response: the
 * challenge, the origin and type in clientDataJSON, the rp id's hash, user presence and
 * verification in authenticatorData, and the signature — with the stored public key and counter
 * at sign-in. Nothing here parses a response by hand but to find which challenge it answers.
 * Attestation is "none": Tether trusts the account that registers a passkey, not a vendor.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { and, eq, or, lt, sql } from "drizzle-orm";
import { base64UrlDecode, base64UrlEncode } from "../../shared/crypto.js";
import { ApiError } from "../../shared/errors.js";
import type { AuthContext } from "../context.js";
import { passkeys, type Passkey, type User } from "../db/schema.js";
import { CHALLENGE_TTL_SECONDS, claimAuthenticationChallenge, claimRegistrationChallenge, saveChallenge } from "./challenges.js";
import { passkeysOf, publicPasskey, type PublicPasskey } from "./passkey-store.js";
import type { RelyingParty } from "./relying-party.js";

const encoder = new TextEncoder();
/** The library takes bytes over a plain ArrayBuffer. */
const bytes = (view: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(view);
/** The WebAuthn user handle of a user: their id's bytes. No email or name, which can change and are personal. */
const userHandleOf = (userId: string) => base64UrlEncode(encoder.encode(userId));
/** A user has at most this many passkeys: every registration option lists them all. */
export const MAX_PASSKEYS_PER_USER = 20;

export async function registrationOptions(ctx: AuthContext, rp: RelyingParty, user: User): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await passkeysOf(ctx, user.id);
  if (existing.length >= MAX_PASSKEYS_PER_USER)
    throw new ApiError("invalid_request", `At most ${MAX_PASSKEYS_PER_USER} passkeys; delete one first.`);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: bytes(encoder.encode(user.id)),
    userName: user.email,
    userDisplayName: user.name,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: row.transports })),
    // Discoverable, so signing in needs no email; verified (PIN, biometrics), so the passkey alone is two factors.
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  await saveChallenge(ctx, options.challenge, "registration", user.id);
  return options;
}

/** The challenge a response answers, from its clientDataJSON; unreadable is a bad response. */
function challengeOf(clientDataJSON: string): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(base64UrlDecode(clientDataJSON))) as { challenge?: unknown };
    if (typeof parsed.challenge === "string" && parsed.challenge.length <= 128) return parsed.challenge;
  } catch {
    // fall through
  }
  throw new ApiError("invalid_passkey_response", "The passkey response is unreadable.");
}

export async function registerPasskey(
  ctx: AuthContext,
  rp: RelyingParty,
  user: User,
  response: RegistrationResponseJSON,
  name: string | undefined,
): Promise<PublicPasskey> {
  const challenge = await claimRegistrationChallenge(ctx, challengeOf(response.response.clientDataJSON), user.id);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch {
    // The library's message names what failed; the answer names only that it did.
    verified = { verified: false };
  }
  if (!verified.verified) throw new ApiError("invalid_passkey_response", "The passkey response did not verify.");
  const { credential, credentialBackedUp } = verified.registrationInfo;
  const nowMs = Date.now();
  const [row] = await ctx.db
    .insert(passkeys)
    .values({
      id: crypto.randomUUID(),
      credentialId: credential.id,
      userId: user.id,
      name: name ?? `Passkey ${new Date(nowMs).toISOString().slice(0, 10)}`,
      publicKey: base64UrlEncode(credential.publicKey),
      counter: credential.counter,
      transports: (credential.transports ?? []).slice(0, 8),
      backedUp: credentialBackedUp,
      createdAt: nowMs,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ApiError("invalid_passkey_response", "This passkey is already registered.");
  return publicPasskey(row);
}

export async function authenticationOptions(
  ctx: AuthContext,
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON & { challenge_id: string }> {
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: "required", timeout: CHALLENGE_TTL_SECONDS * 1000 });
  return { ...options, challenge_id: await saveChallenge(ctx, options.challenge, "authentication", null) };
}

const INVALID_PASSKEY = "The passkey was not accepted.";

/**
 * Checks a sign-in with a passkey and moves its counter; answers the passkey's row. Any failure —
 * an unknown credential, a user handle that is not the credential's user, a signature, origin or
 * rp id that does not verify, a counter that did not move forward — is one 401 `invalid_passkey`.
 */
export async function authenticateWithPasskey(
  ctx: AuthContext,
  rp: RelyingParty,
  challengeId: string,
  response: AuthenticationResponseJSON,
): Promise<Passkey> {
  const challenge = await claimAuthenticationChallenge(ctx, challengeId);
  const row = await ctx.db.select().from(passkeys).where(eq(passkeys.credentialId, response.id)).get();
  // The authenticator says whose credential it holds: it must be the one it was registered for.
  if (!row || response.response.userHandle !== userHandleOf(row.userId)) throw new ApiError("invalid_passkey", INVALID_PASSKEY);
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: row.credentialId,
        publicKey: bytes(base64UrlDecode(row.publicKey)),
        counter: row.counter,
        transports: row.transports,
      },
      requireUserVerification: true,
    });
    if (!verified.verified) throw new ApiError("invalid_passkey", INVALID_PASSKEY);
    newCounter = verified.authenticationInfo.newCounter;
  } catch {
    throw new ApiError("invalid_passkey", INVALID_PASSKEY);
  }
  // Conditional on the counter read, so two sign-ins replaying one counter value cannot both pass.
  // Authenticators that keep no counter (synced passkeys) report 0 every time: allowed, as WebAuthn says.
  const [moved] = await ctx.db
    .update(passkeys)
    .set({ counter: newCounter, lastUsedAt: Date.now() })
    .where(and(eq(passkeys.id, row.id), or(lt(passkeys.counter, newCounter), and(eq(passkeys.counter, 0), sql`${newCounter} = 0`))))
    .returning();
  if (!moved) throw new ApiError("invalid_passkey", INVALID_PASSKEY);
  return moved;
}
