// Starts every peer of the comparison, each in its own process on 127.0.0.1, from this repository
// and npm packages: Tether (backend + auth Workers in one workerd), the floor (a bare Durable Object
// in its own workerd), partyserver (its own workerd), and socket.io (Node).
import { randomBytes } from "node:crypto";
import { applyLocalMigrations, registerBackendServiceClient, wrangler } from "../../scripts/local-state.mjs";
import { freePort, temporaryStateDir } from "../../test/support/node/wrangler-dev.ts";
import { floorClient, partyserverClient, socketIoClient, tetherClient, type PeerClient } from "./clients.ts";
import { startMiniflareHost, startNodeServer, type ServerProcess } from "./processes.ts";

export interface Peer {
  client: PeerClient;
  server: ServerProcess;
}

export interface Peers {
  tether: Peer;
  floor: Peer;
  partyserver: Peer;
  socketio: Peer;
  /** In the order the workloads visit them. */
  all: Peer[];
  stop(): Promise<void>;
}

/** The flood limits are raised (per socket, per session): the workloads measure the protocol, not the limiters. */
const BENCH_TETHER_VARS = { WS_MAX_FRAMES_PER_WINDOW: "1000000", WS_MAX_RUNS_PER_WINDOW: "100000", WS_MAX_SOCKETS_PER_SESSION: "1000" };

export interface TetherOptions {
  inspectorPort?: number;
  /** Vars for the auth Worker and the backend, on top of the benchmark's own. */
  authVars?: Record<string, string>;
  backendVars?: Record<string, string>;
}

export async function startTether(options: TetherOptions = {}): Promise<{ server: ServerProcess; remove(): void }> {
  const state = temporaryStateDir();
  applyLocalMigrations(state.path, { quiet: true });
  const secret = randomBytes(32).toString("base64url");
  registerBackendServiceClient(secret, state.path);
  const server = await startMiniflareHost("tether", {
    port: await freePort(),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    persistTo: state.path,
    workers: [
      {
        name: "tether-backend",
        config: "wrangler.toml",
        environment: "dev",
        entry: "workers/backend/index.ts",
        vars: { AUTH_SERVICE_SECRET: secret, ...BENCH_TETHER_VARS, ...options.backendVars },
      },
      {
        name: "tether-auth",
        config: "workers/auth/wrangler.toml",
        environment: "dev",
        entry: "workers/auth/index.ts",
        vars: { ...options.authVars },
      },
    ],
  });
  return { server, remove: state.remove };
}

export async function startPeers(): Promise<Peers> {
  const tether = await startTether();
  const jwks = await (await fetch(`${tether.server.origin}/.well-known/jwks.json`)).text();

  const floorState = temporaryStateDir();
  wrangler(
    ["d1", "migrations", "apply", "bench-floor", "--local", "--persist-to", floorState.path, "-c", "bench/peers/floor/wrangler.toml"],
    { quiet: true },
  );
  const floor = await startMiniflareHost("floor", {
    port: await freePort(),
    persistTo: floorState.path,
    workers: [{ name: "bench-floor", config: "bench/peers/floor/wrangler.toml", entry: "bench/peers/floor/index.ts" }],
  });
  const partyState = temporaryStateDir();
  const partyserver = await startMiniflareHost("partyserver", {
    port: await freePort(),
    persistTo: partyState.path,
    workers: [
      {
        name: "bench-partyserver",
        config: "bench/peers/partyserver/wrangler.toml",
        entry: "bench/peers/partyserver/index.ts",
        vars: { TETHER_JWKS: jwks },
      },
    ],
  });
  const socketPort = await freePort();
  const socketio = await startNodeServer("socket.io", "bench/peers/socketio-server.ts", [String(socketPort), jwks], socketPort);

  const peers = {
    tether: { client: tetherClient(tether.server.origin), server: tether.server },
    floor: { client: floorClient(floor.origin), server: floor },
    partyserver: { client: partyserverClient(partyserver.origin), server: partyserver },
    socketio: { client: socketIoClient(socketio.origin), server: socketio },
  };
  return {
    ...peers,
    all: [peers.floor, peers.partyserver, peers.socketio, peers.tether],
    async stop() {
      await Promise.all([tether.server.stop(), floor.stop(), partyserver.stop(), socketio.stop()]);
      for (const state of [floorState, partyState]) state.remove();
      tether.remove();
    },
  };
}
