// Starts every peer of the comparison, each in its own process on 127.0.0.1, from this repository
// and npm packages: Tether (backend + auth Workers in one workerd), the floor (a bare Durable Object
// in its own workerd), partyserver and the Agents SDK (a workerd each), and socket.io (Node).
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, registerBackendServiceClient, upsertServiceClient, wrangler } from "../../scripts/local-state.mjs";
import type { BundleOptions } from "../../test/support/node/bundled-worker.ts";
import { freePort, temporaryStateDir } from "../../test/support/node/wrangler-dev.ts";
import { agentsClient, floorClient, partyserverClient, socketIoClient, tetherClient, type PeerClient } from "./clients.ts";
import { startMiniflareHost, startNodeServer, type ServerProcess } from "./processes.ts";

export interface Peer {
  client: PeerClient;
  server: ServerProcess;
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
  stop(): Promise<void>;
}

/** The flood limits are raised (per socket, per session): the workloads measure the protocol, not the limiters. */
const BENCH_TETHER_VARS = { WS_MAX_FRAMES_PER_WINDOW: "1000000", WS_MAX_RUNS_PER_WINDOW: "100000", WS_MAX_SOCKETS_PER_SESSION: "1000" };

export interface TetherOptions {
  inspectorPort?: number;
  /** Vars for the auth Worker and the backend, on top of the benchmark's own. */
  authVars?: Record<string, string>;
  backendVars?: Record<string, string>;
  /** Adds the operator Worker (bench/peers/operator) at /bench-operator/, for W6. */
  operator?: boolean;
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

export async function startTether(options: TetherOptions = {}): Promise<{ server: ServerProcess; remove(): void }> {
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
  const bundle = options.bundle ?? {};
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
        vars: { AUTH_SERVICE_SECRET: secret, ...BENCH_TETHER_VARS, ...options.backendVars },
        bundle,
      },
      {
        name: "tether-auth",
        config: "workers/auth/wrangler.jsonc",
        environment: "dev",
        entry: "workers/demo/auth.ts",
        vars: { ...options.authVars },
        bundle,
      },
      ...operator,
    ],
  });
  return { server, remove: state.remove };
}

export async function startTetherPeer(options: TetherOptions = {}): Promise<StartedPeer> {
  const { server, remove } = await startTether(options);
  return { client: tetherClient(server.origin), server, stop: () => server.stop().then(remove) };
}

export async function startFloor(bundle: BundleOptions = {}): Promise<StartedPeer> {
  const state = temporaryStateDir();
  wrangler(["d1", "migrations", "apply", "bench-floor", "--local", "--persist-to", state.path, "-c", "bench/peers/floor/wrangler.toml"], {
    quiet: true,
  });
  const server = await startMiniflareHost("floor", {
    port: await freePort(),
    persistTo: state.path,
    workers: [{ name: "bench-floor", config: "bench/peers/floor/wrangler.toml", entry: "bench/peers/floor/index.ts", bundle }],
  });
  return { client: floorClient(server.origin), server, stop: () => server.stop().then(state.remove) };
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

export async function startPeers(): Promise<Peers> {
  const tether = await startTetherPeer({ operator: true });
  const jwks = await (await fetch(`${tether.server.origin}/.well-known/jwks.json`)).text();
  const floor = await startFloor();
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
    stop: async () => {
      await Promise.all(started.map((peer) => peer.stop()));
    },
  };
}
