/**
 * @module
 * A passkey authenticator played in the test: WebCrypto ES256 keys, attestation "none", CBOR by
 * the library the auth Worker verifies with (`@simplewebauthn/server/helpers`). It answers the
 * options the routes give as a browser would (`PublicKeyCredential.toJSON()`), and lets a test
 * bend any part of a response — origin, rp id, challenge, counter, user handle — to see it refused.
 */
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { base64UrlDecode, base64UrlEncode } from "../../../workers/shared/crypto.js";

export const RP_ID = "localhost";
export const PAGE_ORIGIN = "http://localhost:8787";

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_CREDENTIAL = 0x40;

interface StoredCredential {
  id: Uint8Array<ArrayBuffer>;
  keys: CryptoKeyPair;
  userHandle: string;
  counter: number;
}

export interface Bend {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** The counter to sign with (default: one more than the last). */
  counter?: number;
  userHandle?: string;
  userVerified?: boolean;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
};
const uint32 = (value: number) => new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** WebAuthn wants ES256 signatures DER-encoded; WebCrypto gives r‖s. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    const trimmed = bytes.slice(start);
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const sequence = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, sequence.length]), sequence);
}

async function coseKey(publicKey: CryptoKey): Promise<Uint8Array> {
  const jwk = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(base64UrlDecode(jwk.x ?? ""))],
      [-3, new Uint8Array(base64UrlDecode(jwk.y ?? ""))],
    ]),
  );
}

export class SoftwareAuthenticator {
  private readonly credentials: StoredCredential[] = [];

  /** The id (base64url) of the newest credential made. */
  get lastCredentialId(): string {
    const last = this.credentials.at(-1);
    if (!last) throw new Error("no credential yet");
    return base64UrlEncode(last.id);
  }

  /** Answers registration options: a new discoverable credential for the options' user. */
  async register(options: { challenge: string; user: { id: string } }, bend: Bend = {}) {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const id = crypto.getRandomValues(new Uint8Array(16));
    const counter = bend.counter ?? 0;
    this.credentials.push({ id, keys, userHandle: options.user.id, counter });
    const flags = FLAG_USER_PRESENT | (bend.userVerified === false ? 0 : FLAG_USER_VERIFIED) | FLAG_ATTESTED_CREDENTIAL;
    const authData = concat(
      await sha256(new TextEncoder().encode(bend.rpId ?? RP_ID)),
      new Uint8Array([flags]),
      uint32(counter),
      new Uint8Array(16), // aaguid: none
      new Uint8Array([id.length >> 8, id.length & 255]),
      id,
      await coseKey(keys.publicKey),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", authData],
      ]),
    );
    const clientData = {
      type: "webauthn.create",
      challenge: bend.challenge ?? options.challenge,
      origin: bend.origin ?? PAGE_ORIGIN,
      crossOrigin: false,
    };
    return {
      id: base64UrlEncode(id),
      rawId: base64UrlEncode(id),
      type: "public-key" as const,
      response: {
        clientDataJSON: base64UrlEncode(json(clientData)),
        attestationObject: base64UrlEncode(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  /** Answers sign-in options with a credential it holds (the newest, or `credentialId`). */
  async authenticate(options: { challenge: string }, bend: Bend & { credentialId?: string } = {}) {
    const credential = bend.credentialId
      ? this.credentials.find((held) => base64UrlEncode(held.id) === bend.credentialId)
      : this.credentials.at(-1);
    if (!credential) throw new Error("no such credential");
    credential.counter = bend.counter ?? credential.counter + 1;
    const flags = FLAG_USER_PRESENT | (bend.userVerified === false ? 0 : FLAG_USER_VERIFIED);
    const authData = concat(
      await sha256(new TextEncoder().encode(bend.rpId ?? RP_ID)),
      new Uint8Array([flags]),
      uint32(credential.counter),
    );
    const clientDataJSON = json({
      type: "webauthn.get",
      challenge: bend.challenge ?? options.challenge,
      origin: bend.origin ?? PAGE_ORIGIN,
      crossOrigin: false,
    });
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.keys.privateKey, signed));
    return {
      id: base64UrlEncode(credential.id),
      rawId: base64UrlEncode(credential.id),
      type: "public-key" as const,
      response: {
        clientDataJSON: base64UrlEncode(clientDataJSON),
        authenticatorData: base64UrlEncode(authData),
        signature: base64UrlEncode(derSignature(raw)),
        userHandle: bend.userHandle ?? credential.userHandle,
      },
      clientExtensionResults: {},
    };
  }
}
