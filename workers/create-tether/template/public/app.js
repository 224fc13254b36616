// The smallest client: sign up over HTTP, then one WebSocket with the token as a subprotocol (never
// in the URL). A real app uses @tether/client, which also refreshes the token in-band, reconnects
// and resumes: see its README.
const events = document.querySelector("#events");
const show = (line) => (events.textContent += `${line}\n`);
let socket = null;

document.querySelector("#sign-up").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch("/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: form.get("email"), password: form.get("password"), name: "You" }),
  });
  const body = await response.json();
  if (!response.ok) return show(`sign-up failed: ${body.error?.message ?? response.status}`);
  socket = new WebSocket(`${location.origin.replace(/^http/, "ws")}/ws`, ["tether.v1", `bearer.${body.access_token}`]);
  socket.addEventListener("open", () => {
    event.target.hidden = true;
    document.querySelector("#ask").hidden = false;
  });
  socket.addEventListener("message", (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === "partial_result") events.textContent += frame.payload.content;
    else if (frame.type === "agent_completed") show(`\n— ${frame.payload.status}`);
    else if (frame.type === "error") show(`error: ${frame.payload.message}`);
    else if (frame.type !== "pong") show(`[${frame.type}]`);
  });
  socket.addEventListener("close", (close) => show(`socket closed ${close.code} ${close.reason}`));
});

document.querySelector("#ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const content = new FormData(event.target).get("content");
  socket?.send(JSON.stringify({ type: "user_message", id: crypto.randomUUID(), payload: { content } }));
  event.target.reset();
});
