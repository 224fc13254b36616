import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { errorOf, ORIGIN, registerUser } from "../support/http.js";
import { openAgentSocket } from "./agent-socket.js";
import type { Chat } from "./worker.js";

const app = exports.default;

/** What `useAgentChat` loads on mount: the instance's conversation, over HTTP through the guard. */
function getMessages(name: string, token?: string): Promise<Response> {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  return app.fetch(`${ORIGIN}/agents/chat/${name}/get-messages`, { headers });
}

/** Each message as its role and its text, in order. */
const transcript = (messages: UIMessage[]) =>
  messages.map((message) => ({ role: message.role, text: message.parts.map((part) => (part.type === "text" ? part.text : "")).join("") }));

describe("the example's AIChatAgent behind the guard", () => {
  it("keeps the conversation in the user's instance, read back over HTTP with the token", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token });
    expect((await socket.chat("m1", "remember this")).text).toBe("echo: remember this");
    const response = await getMessages(user.user.id, user.access_token);
    expect(response.status).toBe(200);
    expect(transcript((await response.json()) as UIMessage[])).toEqual([
      { role: "user", text: "remember this" },
      { role: "assistant", text: "echo: remember this" },
    ]);
  });

  it("refuses the conversation to no token (401) and to another user (403)", async () => {
    const [ada, bob] = [await registerUser(app), await registerUser(app)];
    const none = await getMessages(ada.user.id);
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe("invalid_token");
    const other = await getMessages(ada.user.id, bob.access_token);
    expect(other.status).toBe(403);
    expect((await errorOf(other)).code).toBe("forbidden");
  });

  it("starts a claimed account's conversation clean", async () => {
    const user = await registerUser(app);
    const socket = await openAgentSocket(app, user.user.id, { token: user.access_token });
    await socket.chat("m1", "the registrant's secret");
    socket.send({ type: "whoami" });
    const { sessionId } = (await socket.frame("whoami")).payload as { sessionId: string };
    // Session sync's call for a claimed account, as the session directory makes it.
    await runInDurableObject(env.Chat.get(env.Chat.idFromName(user.user.id)), async (chat: Chat) => {
      expect(await chat.tetherRevokeSession(sessionId, "account_claimed")).toBe(1);
      expect(chat.messages).toEqual([]);
    });
    expect((await socket.closed()).code).toBe(4003);
    expect(await (await getMessages(user.user.id, user.access_token)).json()).toEqual([]);
  });
});
