import { connect, createAuthClient, indexedDbTokenStore, RequestFailed, TetherApiError, type TetherConnection } from "@tether/client";
import { AccountPanel } from "./account.js";
import { ApprovalsPanel } from "./approvals.js";
import { byId, element, show } from "./dom.js";
import { Notifications } from "./notifications.js";
import { SecurityPanel } from "./security.js";
import { showConnectionState, trackTokenLifetime, type LifetimeDisplay } from "./status.js";
import { ThreadList } from "./threads.js";
import { Transcript } from "./transcript.js";

/**
 * The demo page: sign up or in (password or a provider), then talk to the demo agent over one
 * WebSocket held by the client SDK. The session lives in IndexedDB, so the tabs of this origin
 * share it — and signing out in one signs out all.
 */
const auth = createAuthClient({ store: indexedDbTokenStore() });
const transcript = new Transcript(byId<HTMLOListElement>("transcript"), (runId) => connection?.cancel(runId));
let connection: TetherConnection | null = null;
let lifetime: LifetimeDisplay | null = null;
const threads = new ThreadList((threadId) => void showThread(threadId));

function showError(message: string | null): void {
  byId("error").textContent = message ?? "";
  show("error", message !== null);
}

function showNotice(message: string | null): void {
  byId("notice").textContent = message ?? "";
  show("notice", message !== null);
}

const account = new AccountPanel(auth, { error: showError, notice: showNotice });
const notifications = new Notifications(() => auth.accessToken(), showError);
const approvals = new ApprovalsPanel();
const security = new SecurityPanel(auth, { error: showError, notice: showNotice }, () => signedIn());

function describe(error: unknown): string {
  if (error instanceof TetherApiError || error instanceof RequestFailed) return error.message;
  return error instanceof Error ? error.message : "Something went wrong.";
}

/** A thread's messages (or an empty new conversation), over the socket, typed by the SDK. */
async function showThread(threadId: string | undefined): Promise<void> {
  transcript.clear();
  if (threadId === undefined || !connection) return;
  const history = await connection.request("get_thread_history", { thread_id: threadId, limit: 50 });
  if (threads.current === threadId) transcript.showHistory(history.payload.messages);
}

/** After sign-in: the threads, and the most recent one opened. */
async function showThreads(): Promise<void> {
  if (!connection) return;
  await threads.refresh(connection);
  threads.select(threads.latest());
}

async function signedIn(): Promise<void> {
  const session = await auth.session();
  if (!session) return signedOut(null);
  showError(null);
  show("signed-out", false);
  show("chat", true);
  show("sign-out", true);
  show("who", true);
  byId("who").textContent = `${session.user.name} · ${session.user.email}`;
  await account.show();
  await security.show();
  connection?.close();
  connection = connect({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
    getAccessToken: ({ current }) => auth.accessToken({ replacing: current }),
    onEvent: (frame) => {
      if (frame.type === "auth_refreshed") lifetime?.update();
      // The first message of a new conversation made a thread: it becomes the current one.
      if (frame.type === "ack" && threads.current === undefined && transcript.sent(frame.reply_to)) {
        threads.adopt(frame.payload.thread_id);
        if (connection) void threads.refresh(connection);
      }
      // Events of other threads (another tab's conversation) are not this view's.
      if (frame.thread_id === undefined || frame.thread_id === threads.current) transcript.apply(frame);
    },
    onStateChange: (state, detail) => {
      showConnectionState(state, detail);
      lifetime?.update();
      if (state === "signed_out") void signOut("Your session has ended; sign in again.");
    },
    onResyncNeeded: () => void showThread(threads.current),
  });
  notifications.follow(connection);
  approvals.follow(connection);
  void showThreads().catch((error: unknown) => showError(describe(error)));
  lifetime?.stop();
  lifetime = trackTokenLifetime(connection);
  byId<HTMLInputElement>("message").focus();
}

function signedOut(notice: string | null): void {
  connection?.close();
  connection = null;
  lifetime?.stop();
  lifetime = null;
  transcript.clear();
  threads.clear();
  account.hide();
  security.hide();
  notifications.hide();
  approvals.hide();
  for (const id of ["chat", "sign-out", "who", "connection"]) show(id, false);
  show("signed-out", true);
  showError(notice);
}

async function signOut(notice: string | null): Promise<void> {
  connection?.close();
  await auth.logout();
  signedOut(notice);
}

function onSubmit(id: string, handler: (form: FormData) => Promise<void>): void {
  const form = byId<HTMLFormElement>(id);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handler(new FormData(form)).catch((error: unknown) => showError(describe(error)));
  });
}

const field = (form: FormData, name: string) => String(form.get(name) ?? "");

onSubmit("sign-in", async (form) => {
  // An account with a second factor answers with its step: the page asks for the code.
  await security.afterSignIn(await auth.login({ email: field(form, "email"), password: field(form, "password") }));
});

onSubmit("sign-up", async (form) => {
  await auth.register({ name: field(form, "name"), email: field(form, "email"), password: field(form, "password") });
  await signedIn();
});

onSubmit("composer", async (form) => {
  const content = field(form, "message").trim();
  if (!content || !connection) return;
  const id = connection.send(content, threads.current === undefined ? {} : { threadId: threads.current });
  transcript.addUserMessage(id, content);
  byId<HTMLFormElement>("composer").reset();
});

onSubmit("forgot-password", async (form) => {
  await account.requestReset(field(form, "email"));
  byId<HTMLFormElement>("forgot-password").reset();
});

byId("sign-out").addEventListener("click", () => void signOut(null));

// Another tab signed out (or in): this tab follows.
auth.onSessionChange((session) => {
  if (session === null) signedOut("You signed out in another tab.");
  else if (!connection) void signedIn();
});

async function listProviders(): Promise<void> {
  const response = await fetch("/auth/oauth/providers");
  if (!response.ok) return;
  const { providers } = (await response.json()) as { providers: Array<{ id: string; name: string }> };
  const returnTo = `${location.origin}${location.pathname}`;
  // Each link carries the hash of this tab's verifier: only this tab can finish that sign-in.
  const links = await Promise.all(
    providers.map(async (provider) => {
      const link = element("a", "", `Sign in with ${provider.name}`);
      link.href = await auth.providerSignInUrl(provider.id, returnTo);
      const item = element("li", "");
      item.append(link);
      return item;
    }),
  );
  byId("providers").replaceChildren(...links);
}

/**
 * A mail's link (verify, reset) or a provider's return (handoff code, error) arrives in the
 * fragment; it is taken out of the address bar at once and never kept. Returns the failure to show.
 */
async function readFragment(): Promise<string | null> {
  if (location.hash.length <= 1) return null;
  const fragment = location.hash;
  history.replaceState(null, "", location.pathname + location.search);
  if (await account.openMailLink(new URLSearchParams(fragment.slice(1)))) return null;
  try {
    const result = await auth.completeProviderSignIn(fragment);
    if (result?.mfaRequired) await security.afterSignIn(result);
    return null;
  } catch (error) {
    return `Sign-in failed: ${describe(error)}`;
  }
}

async function start(): Promise<void> {
  const failure = await readFragment();
  void listProviders();
  await signedIn();
  if (failure) showError(failure);
  // A mail's link opened in a tab already showing the page changes only the fragment.
  window.addEventListener("hashchange", () => {
    void readFragment().then(async (problem) => {
      // Connected already: only the account's state may have changed (a confirmed address).
      if (connection) await account.show();
      else await signedIn();
      if (problem) showError(problem);
    });
  });
}

void start();
