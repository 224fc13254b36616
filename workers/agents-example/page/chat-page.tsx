/**
 * @module
 * The example's page: sign in with Tether, then chat with your own `Chat` Agent through the
 * Agents SDK's `useAgent`, its socket carrying Tether's token (`tetherAgentOptions`). Bundle it
 * with the app's own tooling (esbuild, Vite) and serve it from the Worker's origin, whose
 * `/auth/*` routes are Tether's (`forwardToTetherAuth`).
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { useAgent } from "agents/react";
import { agentInstanceName, createAuthClient, indexedDbTokenStore, tetherAgentOptions, type AuthClient } from "@tether/client";

interface ChatLine {
  id: string;
  role: "you" | "agent";
  text: string;
}

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
  const [lines, setLines] = useState<ChatLine[]>([]);
  const tether = useMemo(() => tetherAgentOptions(auth, { onSignedOut }), [onSignedOut]);
  const agent = useAgent({
    agent: "chat",
    name: agentInstanceName(userId),
    ...tether.options,
    onMessage: (event: MessageEvent) => {
      const frame = JSON.parse(String(event.data)) as { type: string; payload?: { id: string; delta?: string } };
      const { id, delta } = frame.payload ?? {};
      if (frame.type !== "chat_delta" || id === undefined || delta === undefined) return;
      setLines((all) => {
        const last = all.at(-1);
        if (last?.id === id && last.role === "agent") return [...all.slice(0, -1), { ...last, text: last.text + delta }];
        return [...all, { id, role: "agent", text: delta }];
      });
    },
  });
  useEffect(() => tether.attach(agent), [tether, agent]);

  function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("text");
    if (!(input instanceof HTMLInputElement) || input.value === "") return;
    const id = crypto.randomUUID();
    agent.send(JSON.stringify({ type: "chat", id, text: input.value }));
    setLines((all) => [...all, { id, role: "you", text: input.value }]);
    input.value = "";
  }
  return (
    <main>
      <ol>
        {lines.map((line) => (
          <li key={`${line.role}-${line.id}`} className={line.role}>
            {line.text}
          </li>
        ))}
      </ol>
      <form onSubmit={send}>
        <input name="text" maxLength={4000} autoComplete="off" />
        <button type="submit">Send</button>
      </form>
      <button type="button" onClick={() => void auth.logout()}>
        Sign out
      </button>
    </main>
  );
}
