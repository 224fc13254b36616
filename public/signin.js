// Provider sign-in on the demo page: buttons for each configured provider, then the handoff code
// the sign-in returns with (in the fragment) is swapped for tokens. Tokens stay in this tab.
const $ = (id) => document.getElementById(id);
const TOKENS_KEY = "tether.tokens";

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function show(tokens) {
  $("signed-out").hidden = tokens !== null;
  $("signed-in").hidden = tokens === null;
  if (tokens) {
    $("user-name").textContent = tokens.user.name;
    $("user-email").textContent = tokens.user.email;
  }
}

async function postJson(path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
}

/** The fragment holds `handoff=<code>` after a sign-in, or `error=<code>&error_description=…`. */
async function completeSignIn() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.has("handoff") && !fragment.has("error")) return;
  history.replaceState(null, "", location.pathname + location.search);
  if (fragment.has("error")) return showError(`Sign-in failed: ${fragment.get("error_description") ?? fragment.get("error")}`);
  const response = await postJson("/auth/oauth/handoff", { code: fragment.get("handoff") });
  const body = await response.json();
  if (!response.ok) return showError(`Sign-in failed: ${body.error.message}`);
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(body));
}

async function listProviders() {
  const response = await fetch("/auth/oauth/providers");
  if (!response.ok) return;
  const { providers } = await response.json();
  const returnTo = `${location.origin}${location.pathname}`;
  $("providers").replaceChildren(
    ...providers.map((provider) => {
      const link = document.createElement("a");
      link.href = `${provider.start}?return_to=${encodeURIComponent(returnTo)}`;
      link.textContent = `Sign in with ${provider.name}`;
      const item = document.createElement("li");
      item.append(link);
      return item;
    }),
  );
}

$("sign-out").addEventListener("click", async () => {
  const tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? "null");
  sessionStorage.removeItem(TOKENS_KEY);
  if (tokens) await postJson("/auth/logout", {}, tokens.access_token);
  show(null);
});

await completeSignIn();
await listProviders();
show(JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? "null"));
