import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, ORIGIN, registerUser } from "../support/http.js";
import { TestSocket } from "../support/ws.js";

/**
 * RFC 6750 §2.1 (after RFC 7235): the `Bearer` scheme is case-insensitive, and some HTTP clients
 * send `bearer`. Accepted on the backend's `/api/*` and the auth Worker's Bearer routes; the rest
 * of the header stays strict — one space, then the token alone.
 */
const withAuthorization = (path: string, authorization: string) =>
  exports.default.fetch(`${ORIGIN}${path}`, { headers: { Authorization: authorization } });

describe("the Authorization header's scheme", () => {
  it.each(["/api/me", "/auth/me"])("is accepted in any case on %s", async (path) => {
    const { access_token } = await registerUser(exports.default);
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      const response = await withAuthorization(path, `${scheme} ${access_token}`);
      expect(response.status, scheme).toBe(200);
      await response.arrayBuffer();
    }
  });

  it.each(["/api/me", "/auth/me"])(
    "is still refused with 401 on %s when the rest of the header is not one space and the token",
    async (path) => {
      const { access_token } = await registerUser(exports.default);
      for (const header of [
        `bearer  ${access_token}`,
        `bearer\t${access_token}`,
        `bearer${access_token}`,
        `bearer ${access_token} x`,
        `Basic ${access_token}`,
      ]) {
        const response = await withAuthorization(path, header);
        expect(response.status, JSON.stringify(header)).toBe(401);
        expect((await errorOf(response)).code).toBe("invalid_token");
      }
    },
  );

  it("is accepted in any case on a /ws upgrade from a server client", async () => {
    const { access_token } = await registerUser(exports.default);
    for (const scheme of ["bearer", "BEARER"]) {
      const response = await exports.default.fetch(`${ORIGIN}/ws`, {
        headers: { Upgrade: "websocket", Authorization: `${scheme} ${access_token}`, "Sec-WebSocket-Protocol": "tether.v1" },
      });
      if (!response.webSocket) throw new Error(`no upgrade: ${response.status}`);
      const socket = new TestSocket(response.webSocket, response.headers.get("Sec-WebSocket-Protocol"));
      expect((await socket.next("connection_established")).payload.session_id, scheme).toBeTruthy();
      socket.close();
    }
  });
});
