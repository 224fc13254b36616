// The connect overhead of Tether's guard in front of an Agents SDK app (docs/agents-sdk.md), in one
// run: `npx node bench/agents-guard.ts` (or `-- --quick`). One workerd hosts the auth Worker and
// bench/peers/agents-guard, whose Agent answers behind a bare routeAgentRequest and behind
// tetherGuard; connects go one at a time, alternating, so both see the same machine. It prints the
// p50 and p99 of each and the p50 ratio: for fresh sessions of new users (each token verified
// against the auth Worker's keys; a new Agent instance, and guarded a new session directory, made),
// for new sessions of returning users (instance and directory there already; the session new) and
// for reconnects of one session (the instance already recorded). Then W6 for Agent connections: a
// logout-all of one user's sessions, timed until every socket has closed. Figures from 127.0.0.1.
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, upsertServiceClient } from "../scripts/local-state.mjs";
import { freePort, temporaryStateDir } from "../test/support/node/wrangler-dev.ts";
import { startMiniflareHost } from "./lib/processes.ts";
import { Latencies } from "./lib/stats.ts";
import { mintTokens, type MintedToken } from "./lib/tokens.ts";

const quick = process.argv.includes("--quick");
const log = (message: string) => console.log(`[agents-guard] ${message}`);
const CONNECTS = quick ? 100 : 500;
const WARMUP = 20;
/** Users who connected once before; each then signs in CONNECTS / RETURNING_USERS more times. */
const RETURNING_USERS = quick ? 10 : 50;
const CLOSE_GRACE_MS = 5000;
/** W6: sessions of one user signed out at once, two Agent sockets each (as Tether's own W6). */
const W6_SESSIONS = quick ? 10 : 50;

/** Sockets the harness has asked to close; the close handshake is not timed. */
const closing: Array<Promise<void>> = [];

/** Opens a socket and resolves with how long the handshake took, once it is open; then starts closing it. */
async function timedConnect(url: string, protocols: string[]): Promise<number> {
  const begun = performance.now();
  const socket = new WebSocket(url, protocols);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("close", (event) => reject(new Error(`closed ${event.code} ${event.reason}`)), { once: true });
  });
  const elapsed = performance.now() - begun;
  // A server slow to answer the close gets a short grace, as in lib/clients.ts.
  closing.push(
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      socket.addEventListener("close", () => (clearTimeout(timer), resolve()), { once: true });
      socket.close();
    }),
  );
  return elapsed;
}

log("starting the auth Worker and the guard's Worker");
/**
 * Opens a socket and resolves once it is open: `told` resolves when its `session_revoked` frame
 * arrives (as Tether's own W6 times it), `closed` with its close code.
 */
async function heldSocket(url: string, protocols: string[]): Promise<{ told: Promise<number>; closed: Promise<number> }> {
  const socket = new WebSocket(url, protocols);
  const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code), { once: true }));
  const told = new Promise<number>((resolve) =>
    socket.addEventListener("message", (event) => {
      if (String(event.data).includes('"type":"session_revoked"')) resolve(performance.now());
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    void closed.then((code) => reject(new Error(`closed ${code}`)));
  });
  return { told, closed };
}

/**
 * W6 for Agent connections: one user's sessions, two Agent instances each, signed out at once
 * with one logout-all; the time from the request until the last socket has its `session_revoked`.
 */
async function measureLogoutAll(origin: string): Promise<void> {
  const email = `bench-logout-all-${crypto.randomUUID()}@example.com`;
  const sessions = await mintTokens(origin, W6_SESSIONS, email);
  const ws = origin.replace("http", "ws");
  const sockets: Array<{ told: Promise<number>; closed: Promise<number> }> = [];
  for (const session of sessions) {
    for (const name of [session.userId, `${session.userId}~second`]) {
      sockets.push(await heldSocket(`${ws}/agents/guarded-agent/${name}`, ["tether.v1", `bearer.${session.token}`]));
    }
  }
  const [first] = sessions;
  if (!first) throw new Error("no session");
  const started = performance.now();
  const response = await fetch(`${origin}/auth/logout-all`, { method: "POST", headers: { Authorization: `Bearer ${first.token}` } });
  if (response.status !== 204) throw new Error(`logout-all answered ${response.status}`);
  const lastTold = Math.max(...(await Promise.all(sockets.map((socket) => socket.told))));
  const codes = await Promise.all(sockets.map((socket) => socket.closed));
  const revoked = codes.filter((code) => code === 4003).length;
  console.log(
    `W6 logout-all of ${sessions.length} sessions, ${sockets.length} Agent sockets: all told in ${(lastTold - started).toFixed(1)} ms; ${revoked} closed 4003`,
  );
}

const state = temporaryStateDir();
applyLocalMigrations(state.path, { backend: false, quiet: true });
const secret = randomBytes(32).toString("base64url");
upsertServiceClient({ id: "bench-agents-guard", name: "bench-agents-guard", secret, target: ["--local", "--persist-to", state.path] });
const server = await startMiniflareHost("agents-guard", {
  port: await freePort(),
  persistTo: state.path,
  workers: [
    {
      name: "bench-agents-guard",
      config: "bench/peers/agents-guard/wrangler.jsonc",
      entry: "bench/peers/agents-guard/index.ts",
      vars: { AUTH_SERVICE_SECRET: secret },
      // The Agents SDK's dependencies need wrangler's Node built-ins handling.
      bundle: { bundler: "wrangler" },
    },
    // Session sync reaches the guard's Worker as it would an Agents app: its SessionControl entrypoint.
    {
      name: "tether-auth",
      config: "workers/auth/wrangler.jsonc",
      environment: "dev",
      entry: "workers/demo/auth.ts",
      serviceBindings: { BACKEND: { name: "bench-agents-guard", entrypoint: "SessionControl" } },
    },
  ],
});

try {
  const ws = server.origin.replace("http", "ws");
  const bare = (token: MintedToken) => timedConnect(`${ws}/bare/bare-agent/${token.userId}`, []);
  const guarded = (token: MintedToken) =>
    timedConnect(`${ws}/agents/guarded-agent/${token.userId}`, ["tether.v1", `bearer.${token.token}`]);

  async function measure(label: string, tokens: MintedToken[]): Promise<void> {
    const latencies = { bare: new Latencies(), guarded: new Latencies() };
    for (const token of tokens) {
      latencies.bare.record(await bare(token));
      latencies.guarded.record(await guarded(token));
    }
    await Promise.all(closing.splice(0));
    const [b, g] = [latencies.bare.summary(), latencies.guarded.summary()];
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    console.log(
      `${label} (${tokens.length} connects each): bare p50 ${ms(b.p50)} p99 ${ms(b.p99)}; guarded p50 ${ms(g.p50)} p99 ${ms(g.p99)}; p50 ratio ${(g.p50 / b.p50).toFixed(2)}×`,
    );
  }

  log(`listening at ${server.origin}; minting tokens`);
  const warmup = await mintTokens(server.origin, WARMUP);
  log("warming up");
  for (const token of warmup) {
    await bare(token);
    await guarded(token);
  }
  await measure("fresh sessions", await mintTokens(server.origin, CONNECTS));
  // A new sign-in of a user who has used the agent before: their instance (and, guarded, their
  // session directory) exists already; the session and its token are new.
  const emails = Array.from({ length: RETURNING_USERS }, (_, index) => `bench-returning-${crypto.randomUUID()}-${index}@example.com`);
  for (const email of emails) {
    const [first] = await mintTokens(server.origin, 1, email);
    if (!first) throw new Error("no token");
    await bare(first);
    await guarded(first);
  }
  const newSessions = (await Promise.all(emails.map((email) => mintTokens(server.origin, CONNECTS / RETURNING_USERS, email)))).flat();
  await measure("new sessions of returning users", newSessions);
  const [one] = await mintTokens(server.origin, 1);
  if (!one) throw new Error("no token");
  await measure(
    "reconnects of one session",
    Array.from({ length: CONNECTS }, () => one),
  );
  await measureLogoutAll(server.origin);
} finally {
  await server.stop();
  state.remove();
}
