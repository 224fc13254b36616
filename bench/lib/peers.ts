// Starts every peer of the comparison, each in its own process on 127.0.0.1, from this repository
// and npm packages: Tether (backend + auth Workers in one workerd), the floor (a bare Durable Object
// in its own workerd), partyserver and the Agents SDK (a workerd each), and socket.io (Node).
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, registerBackendServiceClient, upsertServiceClient, wrangler } from "../../scripts/local-state.mjs";
import type { BundleOptions } from "../../test/support/node/bundled-worker.ts";
import { freePort, temporaryStateDir } from "../../test/support/node/wrangler-dev.ts";
import { d1Meter, type D1Meter } from "./d1-meter.ts";
import { agentsClient, floorClient, partyserverClient, socketIoClient, tetherClient, type PeerClient } from "./clients.ts";
import { startMiniflareHost, startNodeServer, type ServerProcess } from "./processes.ts";

export interface Peer {
  client: PeerClient;
  server: ServerProcess;
  /** Tether and the floor: their D1 round trips, counted and delayed in the host (bench/hosts/workerd/d1-meter.ts). */
  d1?: D1Meter;
}

/** A service client of Tether's that holds `events:publish` (W8), and its secret. */
export interface Publisher {
  id: string;
  secret: string;
}

/** A peer the harness started, and how to stop it and remove its local state. */
export interface StartedPeer extends Peer {
  stop(): Promise<void>;
}

export interface Peers {
  tether: Peer;
  floor: Peer;
  partyserver: Peer;
  agents: Peer;
  socketio: Peer;
  /** In the order the workloads visit them. */
  all: Peer[];
  /** Tether's public keys, which the peers that verify tokens were given. */
  jwks: string;
  publisher: Publisher;
  stop(): Promise<void>;
}

/** The flood limits are raised (per socket, per session): the workloads measure the protocol, not the limiters. */
const BENCH_TETHER_VARS = { WS_MAX_FRAMES_PER_WINDOW: "1000000", WS_MAX_RUNS_PER_WINDOW: "100000", WS_MAX_SOCKETS_PER_SESSION: "1000" };
/** W8 signs one user in 100 times (the default keeps 50 sessions a user). */
const BENCH_AUTH_VARS = { MAX_SESSIONS_PER_USER: "1000" };
/**
 * W8 publishes 1,000 events in a second or two, past the product's 600 a minute per publisher, and
 * many to one user: the limiters are raised here, in the bench host, not in the product's config.
 */
const BENCH_EVENT_LIMITS = {
  EVENTS_PUBLISHER_RATE_LIMITER: { limit: 1_000_000, period: 60 },
  EVENTS_USER_RATE_LIMITER: { limit: 1_000_000, period: 60 },
} as const;
/** The D1 meter's routes: the backend answers `/bench-d1/app`; this pattern sends `/bench-d1/auth` to the auth Worker. */
const AUTH_METER_ROUTE = "*/bench-d1/auth*";
export interface TetherOptions {
  inspectorPort?: number;
  /** Vars for the auth Worker and the backend, on top of the benchmark's own. */
  authVars?: Record<string, string>;
  backendVars?: Record<string, string>;
  /** Adds the operator Worker (bench/peers/operator) at /bench-operator/, for W6. */
  operator?: boolean;
  /** Registers a service client that may publish events (W8). */
  publisher?: boolean;
  /**
   * Meters both Workers' D1 (auth's and the app's), with this delay before every round trip; unset,
   * Tether runs as built.
   */
  d1LatencyMs?: number;
  bundle?: BundleOptions;
}

/** Registers the operator as a service client that may disable users; returns its secret. */
function registerOperator(persistTo: string): string {
  const secret = randomBytes(32).toString("base64url");
  upsertServiceClient({
    id: "bench-operator",
    name: "bench-operator",
    audiences: ["tether-auth"],
    permissions: ["users:disable"],
    secret,
    target: ["--local", "--persist-to", persistTo],
  });
  return secret;
}

function registerPublisher(persistTo: string): Publisher {
  const publisher = { id: "bench-publisher", secret: randomBytes(32).toString("base64url") };
  upsertServiceClient({
    id: publisher.id,
    name: publisher.id,
    audiences: ["tether-backend"],
    permissions: ["events:publish"],
    secret: publisher.secret,
    target: ["--local", "--persist-to", persistTo],
  });
  return publisher;
}

export interface StartedTether {
  server: ServerProcess;
  d1?: D1Meter;
  publisher?: Publisher;
  remove(): void;
}

export async function startTether(options: TetherOptions = {}): Promise<StartedTether> {
  const state = temporaryStateDir();
  applyLocalMigrations(state.path, { quiet: true });
  const secret = randomBytes(32).toString("base64url");
  registerBackendServiceClient(secret, state.path);
  const operator = options.operator
    ? [
        {
          name: "bench-operator",
          config: "bench/peers/operator/wrangler.toml",
          entry: "bench/peers/operator/index.ts",
          vars: { OPERATOR_SECRET: registerOperator(state.path) },
          routes: ["*/bench-operator/*"],
        },
      ]
    : [];
  const publisher = options.publisher ? registerPublisher(state.path) : undefined;
  const bundle = options.bundle ?? {};
  const metered = options.d1LatencyMs !== undefined;
  const latencyVar: Record<string, string> = metered ? { BENCH_D1_LATENCY_MS: String(options.d1LatencyMs) } : {};
  const server = await startMiniflareHost("tether", {
    port: await freePort(),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    persistTo: state.path,
    workers: [
      {
        name: "tether-backend",
        config: "wrangler.jsonc",
        environment: "dev",
        entry: "workers/demo/backend.ts",
        vars: { AUTH_SERVICE_SECRET: secret, ...BENCH_TETHER_VARS, ...latencyVar, ...options.backendVars },
        bundle,
        rateLimits: BENCH_EVENT_LIMITS,
        ...(metered ? { meterD1: { scope: "app" } } : {}),
      },
      {
        name: "tether-auth",
        config: "workers/auth/wrangler.jsonc",
        environment: "dev",
        entry: "workers/demo/auth.ts",
        vars: { ...BENCH_AUTH_VARS, ...latencyVar, ...options.authVars },
        bundle,
        ...(metered ? { meterD1: { scope: "auth" }, routes: [AUTH_METER_ROUTE] } : {}),
      },
      ...operator,
    ],
  });
  return {
    server,
    remove: state.remove,
    ...(metered ? { d1: d1Meter(server.origin, ["app", "auth"]) } : {}),
    ...(publisher ? { publisher } : {}),
  };
}

export async function startTetherPeer(options: TetherOptions = {}): Promise<StartedPeer & { publisher?: Publisher }> {
  const { server, remove, d1, publisher } = await startTether(options);
  return {
    client: tetherClient(server.origin),
    server,
    ...(d1 ? { d1 } : {}),
    ...(publisher ? { publisher } : {}),
    stop: () => server.stop().then(remove),
  };
}

/** With `d1LatencyMs`, the floor's D1 is metered and delayed as Tether's is. */
export async function startFloor(bundle: BundleOptions = {}, d1LatencyMs?: number): Promise<StartedPeer> {
  const state = temporaryStateDir();
  wrangler(["d1", "migrations", "apply", "bench-floor", "--local", "--persist-to", state.path, "-c", "bench/peers/floor/wrangler.toml"], {
    quiet: true,
  });
  const server = await startMiniflareHost("floor", {
    port: await freePort(),
    persistTo: state.path,
    workers: [
      {
        name: "bench-floor",
        config: "bench/peers/floor/wrangler.toml",
        entry: "bench/peers/floor/index.ts",
        bundle,
        ...(d1LatencyMs === undefined ? {} : { vars: { BENCH_D1_LATENCY_MS: String(d1LatencyMs) }, meterD1: { scope: "floor" } }),
      },
    ],
  });
  const d1 = d1LatencyMs === undefined ? {} : { d1: d1Meter(server.origin, ["floor"]) };
  return { client: floorClient(server.origin), server, ...d1, stop: () => server.stop().then(state.remove) };
}

/** A peer of one Worker that verifies Tether's tokens against its JWKS (given as a var). */
async function startTokenCheckingPeer(
  name: "partyserver" | "agents",
  client: (origin: string) => PeerClient,
  jwks: string,
  bundle: BundleOptions,
): Promise<StartedPeer> {
  const state = temporaryStateDir();
  const server = await startMiniflareHost(name, {
    port: await freePort(),
    persistTo: state.path,
    workers: [
      {
        name: `bench-${name}`,
        config: `bench/peers/${name}/wrangler.toml`,
        entry: `bench/peers/${name}/index.ts`,
        vars: { TETHER_JWKS: jwks },
        bundle,
      },
    ],
  });
  return { client: client(server.origin), server, stop: () => server.stop().then(state.remove) };
}

export const startPartyserver = (jwks: string, bundle: BundleOptions = {}) =>
  startTokenCheckingPeer("partyserver", partyserverClient, jwks, bundle);

/** Bundled by wrangler: the Agents SDK's dependencies need its Node built-ins handling. */
export const startAgents = (jwks: string, bundle: BundleOptions = {}) =>
  startTokenCheckingPeer("agents", agentsClient, jwks, { ...bundle, bundler: "wrangler" });

export async function startSocketIo(jwks: string): Promise<StartedPeer> {
  const port = await freePort();
  const server = await startNodeServer("socket.io", "bench/peers/socketio-server.ts", [String(port), jwks], port);
  return { client: socketIoClient(server.origin), server, stop: () => server.stop() };
}

/** The comparison's peers; Tether's and the floor's D1 round trips metered, each after `d1LatencyMs`. */
export async function startPeers(d1LatencyMs: number): Promise<Peers> {
  const tether = await startTetherPeer({ operator: true, publisher: true, d1LatencyMs });
  const { publisher } = tether;
  if (!publisher) throw new Error("Tether started without its publisher");
  const jwks = await (await fetch(`${tether.server.origin}/.well-known/jwks.json`)).text();
  const floor = await startFloor({}, d1LatencyMs);
  const partyserver = await startPartyserver(jwks);
  const agents = await startAgents(jwks);
  const socketio = await startSocketIo(jwks);
  const started = [floor, partyserver, agents, socketio, tether];
  return {
    tether,
    floor,
    partyserver,
    agents,
    socketio,
    all: started,
    jwks,
    publisher,
    stop: async () => {
      await Promise.all(started.map((peer) => peer.stop()));
    },
  };
}
