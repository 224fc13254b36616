// Repro: server-initiated close of a hibernatable WebSocket from outside a socket event
// (here: an RPC call) completes ~10 s late on the client if the client never sent a frame.
// Run from /work/main:  node_modules/.bin/node scripts/repro/close-lag.mjs [runs=3] [letters]
// Cause (workerd + kj, see report): when the very first client->DO message is the Close reply,
// kj's WebSocketPipe BlockedReceive::tryPumpFrom keeps pumping after it, so the proxy pump only
// ends when the DO-side pipe end is destroyed: at actor eviction (10 s idle) or V8 GC.
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

const script = /* js */ `
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  sockets = new Set(); // only used by the non-hibernation case (c)
  async fetch(req) {
    const { 0: client, 1: server } = new WebSocketPair();
    if (new URL(req.url).searchParams.get("mode") === "plain") {
      server.accept();                                  // (c) regular, non-hibernatable socket
      server.addEventListener("message", (e) => server.send("echo:" + e.data));
      this.sockets.add(server);
    } else {
      this.ctx.acceptWebSocket(server);                 // hibernatable socket
    }
    if (new URL(req.url).searchParams.has("greet")) server.send("hi"); // (f) server frame first
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws, msg) {
    if (msg === "close-me") ws.close(4003, "from-message"); // (d) close inside a socket event
    else ws.send("echo:" + msg);                            // (b) answer the one client frame
  }
  async webSocketClose() {}
  closeAll() {                                          // RPC: close from outside a socket event
    let n = 0;
    for (const ws of [...this.ctx.getWebSockets(), ...this.sockets]) { ws.close(4003, "rpc"); n++; }
    this.sockets.clear();
    return n;
  }
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const stub = env.ROOM.get(env.ROOM.idFromName(url.searchParams.get("room") ?? "x"));
    if (url.pathname === "/ws") return stub.fetch(req);
    if (url.pathname === "/close") return new Response(String(await stub.closeAll()));
    return new Response("not found", { status: 404 });
  },
};`;

// This Miniflare (5.x beta) takes v4-style options only through convertV4MiniflareOptions.
const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0, // random free port
    workers: [{ name: "repro", modules: true, script, compatibilityDate: "2025-06-01", durableObjects: { ROOM: "Room" } }],
  }),
);
const base = await mf.ready; // http://127.0.0.1:<random port>/
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One measurement. `before(ws)` may exchange frames; `trigger(room)` starts the close and
// returns the time origin; result = ms from that origin to the client's `close` event.
async function measure(room, { mode = "hib", greet = false, before = async () => {}, trigger }) {
  const wsUrl = new URL(`/ws?room=${room}&mode=${mode}${greet ? "&greet" : ""}`, base).href.replace(/^http/, "ws");
  const ws = new WebSocket(wsUrl);
  const msgs = [];
  ws.addEventListener("message", (e) => msgs.push(e.data));
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = rej;
  });
  await before(ws, msgs);
  const closed = new Promise((res) => ws.addEventListener("close", (e) => res(e)));
  const t0 = await trigger(room, ws);
  const ev = await closed;
  return { ms: Math.round(performance.now() - t0), code: ev.code, clean: ev.wasClean };
}
const rpcClose = async (room) => {
  const t0 = performance.now();
  await fetch(new URL(`/close?room=${room}`, base)).then((r) => r.text());
  return t0;
};
const sendOneAndWaitEcho = async (ws, msgs) => {
  ws.send("hello");
  while (!msgs.length) await sleep(5);
};

const cases = {
  // (a) the reported bug: hibernatable socket, client never sent a frame, close via RPC
  "a hib, no client frame, RPC close": { trigger: rpcClose },
  // (b) same, but the client sent one frame first (answered in webSocketMessage)
  "b hib, 1 client frame, RPC close": { before: sendOneAndWaitEcho, trigger: rpcClose },
  // (c) non-hibernation API (server.accept()) as control, no client frame, RPC close
  "c accept(), no client frame, RPC close": { mode: "plain", trigger: rpcClose },
  // (d) closing from inside webSocketMessage (a socket event) for comparison
  "d hib, close inside webSocketMessage": {
    trigger: async (_room, ws) => {
      const t0 = performance.now();
      ws.send("close-me");
      return t0;
    },
  },
  // (e) mitigation "ping once": fire-and-forget frame right after open, RPC close 1 s later
  "e hib, ping once on open, RPC close later": {
    before: async (ws) => {
      ws.send("ping");
      await sleep(1000);
    },
    trigger: rpcClose,
  },
  // (f) object sends a frame first, client never does — reported not to help
  "f hib, server frame only, RPC close": {
    greet: true,
    before: async (_ws, msgs) => {
      while (!msgs.length) await sleep(5);
    },
    trigger: rpcClose,
  },
};

const runs = Number(process.argv[2] ?? 3);
const only = process.argv[3]; // optional case letter filter, e.g. "a"
console.log("case".padEnd(44), "run times (ms) / close code");
for (const [name, c] of Object.entries(cases)) {
  if (only && !only.includes(name[0])) continue;
  const out = [];
  for (let i = 0; i < runs; i++) {
    const r = await measure(`${name[0]}-${i}-${Date.now()}`, c);
    out.push(`${r.ms}ms/${r.code}${r.clean ? "" : "!"}`);
  }
  console.log(name.padEnd(44), out.join("  "));
}
await mf.dispose();
