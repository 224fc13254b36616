/**
 * @module
 * The browser's side of a passkey ceremony, with `navigator.credentials` directly: the server's
 * options (JSON, base64url) become the binary WebAuthn wants, and the credential comes back as the
 * JSON the server verifies — the shape of `PublicKeyCredential.toJSON()`. A few lines instead of a
 * library, to keep the SDK small. The WebAuthn types are declared here, as far as they are used:
 * the SDK also compiles where the DOM's are not (Workers, Node).
 */

interface WebAuthnCredential {
  id: string;
  rawId: ArrayBuffer;
  authenticatorAttachment?: string | null;
  response: {
    clientDataJSON: ArrayBuffer;
    attestationObject?: ArrayBuffer;
    getTransports?(): string[];
    authenticatorData?: ArrayBuffer;
    signature?: ArrayBuffer;
    userHandle?: ArrayBuffer | null;
  };
}
interface CredentialsApi {
  create(options: { publicKey: object }): Promise<unknown>;
  get(options: { publicKey: object }): Promise<unknown>;
}

/** The options of `POST /auth/passkeys/register/options`, as the auth Worker's library writes them. */
export interface PasskeyCreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: Array<{ type: "public-key"; alg: number }>;
  timeout?: number;
  excludeCredentials?: Array<{ id: string; type: "public-key"; transports?: string[] }>;
  authenticatorSelection?: { residentKey?: string; userVerification?: string; authenticatorAttachment?: string };
  attestation?: string;
}

/** The options of `POST /auth/passkeys/login/options`, with the id of their challenge. */
export interface PasskeyRequestOptions {
  challenge: string;
  challenge_id: string;
  rpId?: string;
  timeout?: number;
  userVerification?: string;
}

const bytes = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0));
const text = (buffer: ArrayBuffer | null | undefined): string =>
  buffer
    ? btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "")
    : "";

function credentialsApi(): CredentialsApi {
  const scope = globalThis as { navigator?: { credentials?: CredentialsApi }; PublicKeyCredential?: unknown };
  const container = scope.navigator?.credentials;
  if (!container || scope.PublicKeyCredential === undefined) throw new Error("This browser has no passkeys (WebAuthn).");
  return container;
}

function common(credential: WebAuthnCredential) {
  return {
    id: credential.id,
    rawId: text(credential.rawId),
    type: "public-key",
    clientExtensionResults: {},
    ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
  };
}

/** Makes a new passkey; the JSON for `POST /auth/passkeys/register`. */
export async function createPasskey(options: PasskeyCreationOptions): Promise<object> {
  const credential = (await credentialsApi().create({
    publicKey: {
      ...options,
      challenge: bytes(options.challenge),
      user: { ...options.user, id: bytes(options.user.id) },
      excludeCredentials: (options.excludeCredentials ?? []).map((known) => ({ ...known, id: bytes(known.id) })),
    },
  })) as WebAuthnCredential;
  const { response } = credential;
  return {
    ...common(credential),
    response: {
      clientDataJSON: text(response.clientDataJSON),
      attestationObject: text(response.attestationObject),
      transports: response.getTransports?.() ?? [],
    },
  };
}

/** Signs in with a passkey the user picks (discoverable: no email typed); the JSON for `POST /auth/passkeys/login`. */
export async function usePasskey(options: PasskeyRequestOptions): Promise<object> {
  const { challenge_id: _challengeId, ...publicKey } = options;
  const credential = (await credentialsApi().get({
    publicKey: { ...publicKey, challenge: bytes(options.challenge) },
  })) as WebAuthnCredential;
  const { response } = credential;
  return {
    ...common(credential),
    response: {
      clientDataJSON: text(response.clientDataJSON),
      authenticatorData: text(response.authenticatorData),
      signature: text(response.signature),
      ...(response.userHandle ? { userHandle: text(response.userHandle) } : {}),
    },
  };
}
