// Access tokens for the benchmark's sessions: each one a separate login session at Tether (so a
// socket per token is a session object per socket, as with real users), minted through the dev
// login of the benchmark's own auth Worker. The other peers verify the same tokens with jose.
import { inPool } from "./stats.ts";

export interface MintedToken {
  token: string;
  /** The session id: Tether names its object by it; the others use it as the room name. */
  room: string;
  /** The user's id (`sub`). */
  userId: string;
}

function claimsOf(token: string): { sid: string; sub: string } {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { sid: string; sub: string };
}

/** `count` sessions, each of its own user; or, with `email`, all of that one user. */
export function mintTokens(origin: string, count: number, email?: string): Promise<MintedToken[]> {
  const run = crypto.randomUUID().slice(0, 8);
  return inPool(
    Array.from({ length: count }, (_, index) => index),
    32,
    async (index) => {
      const response = await fetch(`${origin}/auth/dev/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: email ?? `bench-${run}-${index}@example.com` }),
      });
      if (!response.ok) throw new Error(`dev login answered ${response.status}: ${await response.text()}`);
      const { access_token: token } = (await response.json()) as { access_token: string };
      const { sid, sub } = claimsOf(token);
      return { token, room: sid, userId: sub };
    },
  );
}
