/**
 * @module
 * The client SDK inside workerd, against the backend under test (and the auth Worker behind it):
 * its requests and its WebSocket go through the backend's fetch handler.
 */
import { exports } from "cloudflare:workers";
import { connect, createAuthClient, type AuthClient, type TetherConnection } from "../../client/index.js";
import { fetchWebSocket } from "./fetch-websocket.js";
import { freshClientIp, ORIGIN, STRONG_PASSWORD, uniqueEmail } from "./http.js";
import type { SdkRecorder } from "./sdk-recorder.js";

/** A newly registered user's auth client; each request comes from a fresh address, so no rate limit bites. */
export async function signedUpSdkUser(label: string, counter?: { refreshes: number }): Promise<AuthClient> {
  const auth = createAuthClient({
    baseUrl: ORIGIN,
    fetch: (url, init) => {
      if (counter && url.endsWith("/auth/refresh")) counter.refreshes += 1;
      return exports.default.fetch(url, { ...init, headers: { ...init?.headers, "CF-Connecting-IP": freshClientIp() } });
    },
  });
  await auth.register({ email: uniqueEmail(label), password: STRONG_PASSWORD, name: label });
  return auth;
}

/** A connection of `auth`'s session, recorded by `recorder`, reconnecting quickly. */
export function connectSdk(auth: AuthClient, recorder: SdkRecorder): TetherConnection {
  return connect({
    url: `${ORIGIN.replace("http", "ws")}/ws`,
    getAccessToken: ({ current }) => auth.accessToken({ replacing: current }),
    backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    WebSocket: fetchWebSocket(exports.default),
    ...recorder.handlers,
  });
}
