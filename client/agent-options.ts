/**
 * @module
 * `tetherAgentOptions(auth)`: what an Agents SDK client (`useAgent`, `AgentClient`, both on
 * partysocket) needs to connect through Tether's guard (docs/agents-sdk.md). `protocols` is asked
 * again on every (re)connect, so each socket carries a current token as `bearer.<token>`; a timer
 * reconnects shortly before that token expires, so the next socket carries a fresh one; a close
 * with 4003 or 4401 means the session is over: reconnecting stops and `onSignedOut` is told. No
 * import of the Agents SDK: the socket is typed by what this uses of it.
 *
 *   const tether = tetherAgentOptions(auth, { onSignedOut: () => showSignIn() });
 *   const agent = new AgentClient({ agent: "chat", name: agentInstanceName(userId), host, ...tether.options });
 *   tether.attach(agent);
 */
import { BEARER_PROTOCOL_PREFIX, CLOSE_CODES, PROTOCOL } from "@tether/protocol";
import type { AuthClient } from "./auth.js";

/** What of partysocket's socket (an `AgentClient`, or what `useAgent` returns) the helper uses. */
export interface ReconnectingAgentSocket {
  reconnect(): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  removeEventListener(type: "open", listener: () => void): void;
  removeEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
}

export interface TetherAgentOptionsConfig {
  /** Called once when the server ends the session (close 4003 or 4401) or there is no token: sign in again. */
  onSignedOut?: (close: { code: number; reason: string }) => void;
  /** How long before the token's expiry the socket reconnects with a fresh one. Default 60,000 ms. */
  refreshLeadMs?: number;
  /** What `getInitialMessages` fetches with (the global `fetch` by default), as the auth client's option. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

export interface TetherAgentOptions {
  /** Spread into `useAgent`/`AgentClient` options. */
  options: { protocols: () => Promise<string[]> };
  /** Watches `socket`: the refresh timer and the sign-out. Returns what stops watching (a React effect's cleanup). */
  attach(socket: ReconnectingAgentSocket): () => void;
  /**
   * For `useAgentChat({ getInitialMessages })`: it loads the conversation over HTTP
   * (`<agent url>/get-messages`), a request the guard checks as it checks the socket, so this one
   * carries the token as a bearer (the hook's own loader sends none and would get nothing back).
   * Empty when signed out or refused.
   */
  getInitialMessages<TMessage>(options: { url?: string }): Promise<TMessage[]>;
}

const DEFAULT_REFRESH_LEAD_MS = 60_000;
const SIGNED_OUT_CODES = new Set<number>([CLOSE_CODES.session_revoked, CLOSE_CODES.unauthorized]);

export function tetherAgentOptions(
  auth: Pick<AuthClient, "accessToken" | "session">,
  { onSignedOut, refreshLeadMs = DEFAULT_REFRESH_LEAD_MS, fetch: fetcher = (url, init) => fetch(url, init) }: TetherAgentOptionsConfig = {},
): TetherAgentOptions {
  let token: string | null = null;
  let expiresAtMs: number | null = null;
  // After a 4001 the next socket must carry a newer token than the refused one.
  let replacing: string | null = null;

  async function protocols(): Promise<string[]> {
    token = await auth.accessToken({ minValidityMs: refreshLeadMs + 10_000, replacing }).catch(() => null);
    replacing = null;
    const session = token === null ? null : await auth.session();
    expiresAtMs = session?.access_token === token ? (session?.access_expires_at ?? null) : null;
    // No token: the guard closes 4401, and the close handler signs out.
    return token === null ? [PROTOCOL] : [PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`];
  }

  function attach(socket: ReconnectingAgentSocket): () => void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stopTimer = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    };
    let signedOut = false;
    let reconnectedAfterExpiry = false;
    const onOpen = () => {
      stopTimer();
      reconnectedAfterExpiry = false;
      if (expiresAtMs === null) return;
      timer = setTimeout(
        () => {
          // The next socket needs a newer token than this one, however long this one has left.
          replacing = token;
          socket.reconnect();
        },
        Math.max(0, expiresAtMs - refreshLeadMs - Date.now()),
      );
    };
    const onClose = (event: { code: number; reason: string }) => {
      stopTimer();
      if (signedOut) return;
      if (SIGNED_OUT_CODES.has(event.code)) {
        signedOut = true;
        socket.close();
        onSignedOut?.({ code: event.code, reason: event.reason });
      } else if (event.code === CLOSE_CODES.token_expired && !reconnectedAfterExpiry) {
        // The SDK stops on 4xxx codes; an expired token is worth one reconnect with a newer one.
        reconnectedAfterExpiry = true;
        replacing = token;
        socket.reconnect();
      }
    };
    socket.addEventListener("open", onOpen);
    socket.addEventListener("close", onClose);
    return () => {
      stopTimer();
      socket.removeEventListener("open", onOpen);
      socket.removeEventListener("close", onClose);
    };
  }

  async function getInitialMessages<TMessage>({ url }: { url?: string }): Promise<TMessage[]> {
    const current = await auth.accessToken().catch(() => null);
    if (url === undefined || current === null) return [];
    const messages = new URL(url);
    messages.pathname += "/get-messages";
    const response = await fetcher(messages.href, { headers: { Authorization: `Bearer ${current}` } });
    // The agent's own answer: the messages it keeps, as the chat protocol sends them.
    return response.ok ? ((await response.json()) as TMessage[]) : [];
  }

  return { options: { protocols }, attach, getInitialMessages };
}
