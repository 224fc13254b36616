import { exports } from "cloudflare:workers";
import { AgentClient } from "agents/client";
import { describe, expect, it } from "vitest";
import { agentInstanceName, tetherAgentOptions, type AuthClient } from "../../client/index.js";
import { fetchWebSocket } from "../support/fetch-websocket.js";
import { Waiter } from "../support/waiter.js";
import { signedUpSdkUser } from "../support/workerd-sdk.js";
import { answerText, chatRequest, isAnswerDone, type ChatFrame } from "./chat-protocol.js";

const ACCESS_TOKEN_TTL_MS = 15 * 60_000;

/** An AgentClient of `auth`'s user, through the guard, its frames and closes recorded. */
async function agentClient(auth: AuthClient, config: Parameters<typeof tetherAgentOptions>[1] = {}) {
  const session = await auth.session();
  if (!session) throw new Error("signed out");
  const seen = { opens: 0, frames: [] as Array<ChatFrame & { payload?: unknown }>, closes: [] as number[], signedOut: [] as number[] };
  const waiter = new Waiter(10_000, () => JSON.stringify(seen));
  const tether = tetherAgentOptions(auth, {
    ...config,
    onSignedOut: (close) => {
      seen.signedOut.push(close.code);
      waiter.wake();
    },
  });
  const client = new AgentClient({
    agent: "chat",
    name: agentInstanceName(session.user.id),
    host: "localhost",
    WebSocket: fetchWebSocket(exports.default),
    ...tether.options,
  });
  const detach = tether.attach(client);
  client.addEventListener("open", () => {
    seen.opens += 1;
    waiter.wake();
  });
  client.addEventListener("message", (event) => {
    seen.frames.push(JSON.parse(String(event.data)) as ChatFrame & { payload?: unknown });
    waiter.wake();
  });
  client.addEventListener("close", (event) => {
    seen.closes.push(event.code);
    waiter.wake();
  });
  return { client, seen, detach, until: <T>(what: string, check: () => T | undefined | false) => waiter.until(what, check) };
}

describe("tetherAgentOptions with the Agents SDK's AgentClient", () => {
  it("connects with the auth client's token and chats", async () => {
    const auth = await signedUpSdkUser("agent-client");
    const { client, seen, until, detach } = await agentClient(auth);
    await until("the open", () => seen.opens > 0);
    client.send(JSON.stringify(chatRequest("c1", "from the SDK")));
    await until("the answer", () => seen.frames.some((frame) => isAnswerDone(frame, "c1")));
    expect(answerText(seen.frames, "c1").text).toBe("echo: from the SDK");
    detach();
    client.close();
  });

  it("loads the conversation for useAgentChat with the token, and nothing once signed out", async () => {
    const auth = await signedUpSdkUser("agent-history");
    const { client, seen, until, detach } = await agentClient(auth);
    await until("the open", () => seen.opens > 0);
    client.send(JSON.stringify(chatRequest("h1", "keep this")));
    await until("the answer", () => seen.frames.some((frame) => isAnswerDone(frame, "h1")));
    const session = await auth.session();
    const url = `http://localhost/agents/chat/${agentInstanceName(session?.user.id ?? "")}`;
    const loader = tetherAgentOptions(auth, { fetch: (input, init) => exports.default.fetch(input, init) });
    const messages = await loader.getInitialMessages<{ role: string; parts: Array<{ type: string; text?: string }> }>({ url });
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(messages[0]?.parts).toContainEqual(expect.objectContaining({ type: "text", text: "keep this" }));
    detach();
    client.close();
    await auth.logout();
    expect(await loader.getInitialMessages({ url })).toEqual([]);
  });

  it("reconnects with a fresh token before the token expires", async () => {
    const auth = await signedUpSdkUser("agent-refresh");
    const tokens: string[] = [];
    const recording: AuthClient = {
      ...auth,
      accessToken: async (options) => {
        const token = await auth.accessToken(options);
        if (token) tokens.push(token);
        return token;
      },
    };
    // A lead as long as the token's life (the auth Worker's 15 minutes): the timer is due as soon as the socket opens.
    const { client, seen, until, detach } = await agentClient(recording, { refreshLeadMs: ACCESS_TOKEN_TTL_MS });
    await until("a second open", () => seen.opens >= 2);
    detach();
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(2);
    client.send(JSON.stringify({ type: "whoami" }));
    const whoami = await until("whoami", () => seen.frames.find((frame) => frame.type === "whoami"));
    expect(whoami.payload).toMatchObject({ userId: (await auth.session())?.user.id });
    client.close();
  });

  it("stops and signs out when the session is revoked (4003)", async () => {
    const auth = await signedUpSdkUser("agent-logout");
    const { client, seen, until } = await agentClient(auth);
    await until("the open", () => seen.opens > 0);
    await auth.logout();
    await until("the sign-out", () => seen.signedOut.length > 0);
    expect(seen.signedOut).toEqual([4003]);
    expect(seen.frames.some((frame) => frame.type === "session_revoked")).toBe(true);
    expect(client.shouldReconnect).toBe(false);
  });
});
