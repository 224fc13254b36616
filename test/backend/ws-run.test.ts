import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registerUser } from "../support/http.js";
import { openSocket } from "../support/ws.js";

describe("agent runs over /ws", () => {
  it("runs the calculator for 'what is 12 * (3 + 4)?' and answers 84", async () => {
    const { access_token } = await registerUser(exports.default);
    const socket = await openSocket(exports.default, { token: access_token });
    await socket.next("connection_established");
    socket.send({ type: "user_message", id: crypto.randomUUID(), payload: { content: "what is 12 * (3 + 4)?" } });
    const done = await socket.next("agent_completed");
    expect(done.payload.result).toBe("12 * (3 + 4) = 84");
    socket.close();
  });
});
