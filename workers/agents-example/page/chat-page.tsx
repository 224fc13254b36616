/**
 * @module
 * The example's page: sign in with Tether, then chat with your own `Chat` agent (an `AIChatAgent`)
 * through `useAgentChat` from `@cloudflare/ai-chat/react`, over the Agents SDK's `useAgent`
 * socket carrying Tether's token (`tetherAgentOptions`). Bundle it with the app's own tooling
 * (esbuild, Vite) and serve it from the Worker's origin, whose `/auth/*` routes are Tether's
 * (`forwardToTetherAuth`).
 */
import { Suspense, useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { useAgentChat, type UseAgentChatOptions } from "@cloudflare/ai-chat/react";
import { useAgent } from "agents/react";
import {
  agentInstanceName,
  createAuthClient,
  indexedDbTokenStore,
  tetherAgentOptions,
  type AuthClient,
  type TetherAgentOptions,
} from "@tether/client";

const auth = createAuthClient({ store: indexedDbTokenStore() });

export function ChatPage() {
  const [userId, setUserId] = useState<string | null>(null);
  useEffect(() => {
    void auth.session().then((session) => setUserId(session?.user.id ?? null));
    return auth.onSessionChange((session) => setUserId(session?.user.id ?? null));
  }, []);
  // Stable, so the socket's options (and the socket) stay the same across renders.
  const signedOut = useCallback(() => setUserId(null), []);
  return userId === null ? <SignIn auth={auth} /> : <Chat userId={userId} onSignedOut={signedOut} />;
}

function SignIn({ auth }: { auth: AuthClient }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await auth.login({ email: String(form.get("email")), password: String(form.get("password")) });
    } catch {
      setError("Those details did not sign you in.");
    }
  }
  return (
    <form onSubmit={(event) => void submit(event)}>
      <input name="email" type="email" autoComplete="username" required />
      <input name="password" type="password" autoComplete="current-password" required />
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function Chat({ userId, onSignedOut }: { userId: string; onSignedOut: () => void }) {
  const tether = useMemo(() => tetherAgentOptions(auth, { onSignedOut }), [onSignedOut]);
  const agent = useAgent({ agent: "chat", name: agentInstanceName(userId), ...tether.options });
  useEffect(() => tether.attach(agent), [tether, agent]);
  return (
    // useAgentChat suspends until the conversation so far has loaded.
    <Suspense fallback={<p>Loading the conversation…</p>}>
      <Conversation agent={agent} getInitialMessages={tether.getInitialMessages} />
    </Suspense>
  );
}

/** `getInitialMessages` is Tether's: the hook loads the conversation over HTTP, which the guard checks too. */
function Conversation({
  agent,
  getInitialMessages,
}: {
  agent: UseAgentChatOptions["agent"];
  getInitialMessages: TetherAgentOptions["getInitialMessages"];
}) {
  const { messages, sendMessage, status } = useAgentChat({ agent, getInitialMessages });

  function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("text");
    if (!(input instanceof HTMLInputElement) || input.value === "") return;
    void sendMessage({ text: input.value });
    input.value = "";
  }
  return (
    <main>
      <ol>
        {messages.map((message) => (
          <li key={message.id} className={message.role}>
            {message.parts.map((part) => (part.type === "text" ? part.text : "")).join("")}
          </li>
        ))}
      </ol>
      <form onSubmit={send}>
        <input name="text" maxLength={4000} autoComplete="off" />
        <button type="submit" disabled={status === "submitted" || status === "streaming"}>
          Send
        </button>
      </form>
      <button type="button" onClick={() => void auth.logout()}>
        Sign out
      </button>
    </main>
  );
}
